import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployFixture } from '../fixtures/deploy';
import { writeDeployment } from '../../contracts/deploy/deploy';
import { readDeployment, CONTRACT_NAMES } from '../../contracts/deployment/deployment';

describe('deploy', () => {
  it('wires the contracts together and records where they are', async () => {
    const { deployment, directory, consents, records, audit, admin, registrar, auditor } = await deployFixture();
    expect(deployment.chainId).toBe(31337);
    expect(deployment.contracts.ProviderDirectory.address).toBe(await directory.getAddress());
    expect(deployment.contracts.ConsentManager.address).toBe(await consents.getAddress());
    expect(deployment.contracts.RecordRegistry.address).toBe(await records.getAddress());
    expect(deployment.contracts.AuditAnchor.address).toBe(await audit.getAddress());
    for (const name of CONTRACT_NAMES) expect(deployment.contracts[name].blockNumber).toBeGreaterThan(0);
    expect(await directory.hasRole(await directory.REGISTRAR_ROLE(), registrar.address)).toBe(true);
    expect(await audit.hasRole(await audit.AUDITOR_ROLE(), auditor.address)).toBe(true);
    expect(await consents.hasRole(await consents.DEFAULT_ADMIN_ROLE(), admin.address)).toBe(true);
  });

  it('writes deployments/<network>.json and merges subgraph/networks.json', async () => {
    const { deployment } = await deployFixture();
    const root = await mkdtemp(path.join(tmpdir(), 'deploy-'));
    await mkdir(path.join(root, 'subgraph'));
    await writeFile(path.join(root, 'subgraph', 'networks.json'), JSON.stringify({ sepolia: { RecordRegistry: { address: '0x1', startBlock: 5 } } }));
    await writeDeployment({ ...deployment, network: 'localhost' }, root);
    expect(await readDeployment('localhost', root)).toEqual({ ...deployment, network: 'localhost' });
    const networks = JSON.parse(await readFile(path.join(root, 'subgraph', 'networks.json'), 'utf8'));
    expect(networks.sepolia).toEqual({ RecordRegistry: { address: '0x1', startBlock: 5 } });
    expect(networks.localhost.RecordRegistry).toEqual({
      address: deployment.contracts.RecordRegistry.address,
      startBlock: deployment.contracts.RecordRegistry.blockNumber,
    });
    await expect(readDeployment('nowhere', root)).rejects.toThrow('npm run deploy -- --network nowhere');
  });
});
