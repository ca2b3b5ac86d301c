import { time } from '@nomicfoundation/hardhat-network-helpers';
import { deployFixture, random32 } from '../fixtures/deploy';
import { expectEvent, expectRevert } from '../fixtures/chain-assertions';

describe('AuditAnchor', () => {
  it('anchors batches in order and returns them', async () => {
    const { audit, auditor } = await deployFixture();
    const now = BigInt(await time.latest());
    const root = random32();
    await expectEvent(audit.connect(auditor).anchorAuditBatch(root, 12, now - 60n, now), audit, 'AuditBatchAnchored', [
      0,
      root,
      12,
      now - 60n,
      now,
      auditor.address,
    ]);
    const second = random32();
    await expectEvent(audit.connect(auditor).anchorAuditBatch(second, 1, now, now), audit, 'AuditBatchAnchored', [1, second, 1, now, now, auditor.address]);
    expect(await audit.batchCount()).toBe(2n);
    const batch = await audit.batchOf(0);
    expect(batch.root).toBe(root);
    expect(batch.entryCount).toBe(12n);
    expect(batch.fromTime).toBe(now - 60n);
    expect(batch.toTime).toBe(now);
  });

  it('refuses non-auditors, empty batches, bad intervals and unknown ids', async () => {
    const { audit, auditor, stranger } = await deployFixture();
    const now = BigInt(await time.latest());
    await expectRevert(audit.connect(stranger).anchorAuditBatch(random32(), 1, now, now), audit, 'AccessControlUnauthorizedAccount', [
      stranger.address,
      await audit.AUDITOR_ROLE(),
    ]);
    const asAuditor = audit.connect(auditor);
    await expectRevert(asAuditor.anchorAuditBatch(`0x${'00'.repeat(32)}`, 1, now, now), audit, 'AuditAnchorEmptyBatch');
    await expectRevert(asAuditor.anchorAuditBatch(random32(), 0, now, now), audit, 'AuditAnchorEmptyBatch');
    await expectRevert(asAuditor.anchorAuditBatch(random32(), 1, now, now - 1n), audit, 'AuditAnchorInvalidInterval', [now, now - 1n]);
    await expectRevert(asAuditor.anchorAuditBatch(random32(), 1, now, now + 3600n), audit, 'AuditAnchorInvalidInterval', [now, now + 3600n]);
    await expectRevert(audit.batchOf(0), audit, 'AuditAnchorBatchNotFound', [0]);
  });
});
