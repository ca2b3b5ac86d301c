import { deployFixture, Kind, code32, random32 } from '../fixtures/deploy';
import { expectEvent, expectRevert } from '../fixtures/chain-assertions';

describe('ProviderDirectory', () => {
  it('lets the registrar verify a provider and a researcher', async () => {
    const { directory, registrar, stranger, relayer } = await deployFixture();
    const credential = random32();
    await expectEvent(
      directory.connect(registrar).verifyMember(stranger.address, Kind.Provider, credential),
      directory,
      'MemberVerified',
      [stranger.address, Kind.Provider, credential, registrar.address],
    );
    expect(await directory.isVerifiedProvider(stranger.address)).toBe(true);
    expect(await directory.isVerifiedResearcher(stranger.address)).toBe(false);

    await directory.connect(registrar).verifyMember(relayer.address, Kind.Researcher, credential);
    expect(await directory.isVerifiedResearcher(relayer.address)).toBe(true);
    const member = await directory.memberOf(relayer.address);
    expect(member.kind).toBe(BigInt(Kind.Researcher));
    expect(member.status).toBe(1n);
  });

  it('suspends and reinstates a member', async () => {
    const { directory, registrar, provider } = await deployFixture();
    const reason = code32('LICENCE_EXPIRED');
    await expectEvent(directory.connect(registrar).suspendMember(provider.address, reason), directory, 'MemberSuspended', [
      provider.address,
      Kind.Provider,
      reason,
      registrar.address,
    ]);
    expect(await directory.isVerifiedProvider(provider.address)).toBe(false);
    expect(await directory.isSuspended(provider.address)).toBe(true);

    await directory.connect(registrar).verifyMember(provider.address, Kind.Provider, random32());
    expect(await directory.isVerifiedProvider(provider.address)).toBe(true);
    expect(await directory.isSuspended(provider.address)).toBe(false);
  });

  it('refuses callers without the registrar role', async () => {
    const { directory, stranger } = await deployFixture();
    const role = await directory.REGISTRAR_ROLE();
    await expectRevert(
      directory.connect(stranger).verifyMember(stranger.address, Kind.Provider, random32()),
      directory,
      'AccessControlUnauthorizedAccount',
      [stranger.address, role],
    );
    await expectRevert(directory.connect(stranger).suspendMember(stranger.address, code32('X')), directory, 'AccessControlUnauthorizedAccount', [
      stranger.address,
      role,
    ]);
  });

  it('rejects invalid verifications and suspensions', async () => {
    const { directory, registrar, provider, researcher, stranger } = await deployFixture();
    const asRegistrar = directory.connect(registrar);
    await expectRevert(asRegistrar.verifyMember('0x0000000000000000000000000000000000000000', Kind.Provider, random32()), directory, 'ProviderDirectoryZeroAddress');
    await expectRevert(asRegistrar.verifyMember(stranger.address, Kind.None, random32()), directory, 'ProviderDirectoryInvalidKind');
    await expectRevert(asRegistrar.verifyMember(provider.address, Kind.Provider, random32()), directory, 'ProviderDirectoryAlreadyVerified', [
      provider.address,
    ]);
    await expectRevert(asRegistrar.verifyMember(researcher.address, Kind.Provider, random32()), directory, 'ProviderDirectoryKindMismatch', [
      researcher.address,
      Kind.Researcher,
    ]);
    await expectRevert(asRegistrar.suspendMember(stranger.address, code32('X')), directory, 'ProviderDirectoryNotVerified', [stranger.address]);
  });
});
