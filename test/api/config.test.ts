/**
 * The server's settings are checked before anything starts, every problem named with its variable.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LIVE_OPTIONS } from '../../api/src/live/live-hub';
import { ConfigError, LIVE_SETTINGS, loadApiProcessConfig, loadServerConfig } from '../../api/src/config';

const deploymentFile = () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'config-'));
  const file = path.join(folder, 'deployment.json');
  const contract = (address: string) => ({ address, blockNumber: 1, transactionHash: `0x${'00'.repeat(32)}` });
  writeFileSync(
    file,
    JSON.stringify({
      network: 'test',
      chainId: 31337,
      contracts: {
        ProviderDirectory: contract(`0x${'11'.repeat(20)}`),
        ConsentManager: contract(`0x${'22'.repeat(20)}`),
        RecordRegistry: contract(`0x${'33'.repeat(20)}`),
        AuditAnchor: contract(`0x${'44'.repeat(20)}`),
      },
    }),
  );
  return file;
};

const valid = () => ({
  RPC_URL: 'http://127.0.0.1:8545',
  SUBGRAPH_URL: 'http://127.0.0.1:8000/subgraphs/name/health-records',
  DEPLOYMENTS_FILE: deploymentFile(),
  SESSION_SECRET: 'x'.repeat(32),
  AUDITOR_PRIVATE_KEY: `0x${'ab'.repeat(32)}`,
  RELAYER_PRIVATE_KEY: 'cd'.repeat(32),
  PUBLIC_URL: 'https://api.example.org/some/path',
  ALLOWED_ORIGINS: 'https://app.example.org, http://127.0.0.1:5173',
});

describe('server settings', () => {
  it('reads a valid environment, with defaults', () => {
    const config = loadServerConfig(valid());
    expect(config.publicOrigin).toBe('https://api.example.org');
    expect(config.allowedOrigins).toEqual(['https://app.example.org', 'http://127.0.0.1:5173']);
    expect(config.kAnonymity).toBe(5);
    expect(config.relayerPrivateKey).toBe(`0x${'cd'.repeat(32)}`);
    expect(config.deployment.chainId).toBe(31337);
  });

  it('lists every problem at once, each naming its variable', () => {
    let error: unknown;
    try {
      loadServerConfig({
        ...valid(),
        RPC_URL: undefined,
        SUBGRAPH_URL: 'ftp://nope',
        DEPLOYMENTS_FILE: '/nonexistent/deployment.json',
        SESSION_SECRET: 'short',
        AUDITOR_PRIVATE_KEY: '0x1234',
        PUBLIC_URL: undefined,
        ALLOWED_ORIGINS: 'https://app.example.org/path',
        K_ANONYMITY: '1',
        MONGODB_URI: 'postgres://db',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of ['RPC_URL', 'SUBGRAPH_URL', 'DEPLOYMENTS_FILE', 'SESSION_SECRET', 'AUDITOR_PRIVATE_KEY', 'PUBLIC_URL', 'ALLOWED_ORIGINS', 'K_ANONYMITY', 'MONGODB_URI']) {
      expect(problems).toContain(variable);
    }
    expect((error as ConfigError).problems).toHaveLength(9);
  });

  it('reads the subscriptions\' bounds and poll interval, each variable naming a setting of the live option', () => {
    expect(loadServerConfig(valid()).live).toEqual({});
    const config = loadServerConfig({ ...valid(), LIVE_POLL_MS: '50', LIVE_SUBSCRIPTIONS_PER_ACCOUNT: '2', LIVE_SOCKETS_PER_INSTANCE: '3', LIVE_QUEUE_EVENTS: '4', LIVE_RESUME_BLOCKS: '0' });
    expect(config.live).toEqual({ pollMs: 50, perAccount: 2, socketsPerInstance: 3, queue: 4, resumeBlocks: 0 });
    // Every variable sets a real setting, each setting has its variable.
    expect(Object.values(LIVE_SETTINGS).map((setting) => setting.key).sort()).toEqual(Object.keys(DEFAULT_LIVE_OPTIONS).sort());

    let error: unknown;
    try {
      loadServerConfig({ ...valid(), LIVE_POLL_MS: '5', LIVE_SUBSCRIPTIONS_PER_INSTANCE: 'many', LIVE_QUEUE_EVENTS: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe('LIVE_POLL_MS="5" must be a whole number of at least 10; unset it to use the default (docs/api.md, "Live updates").');
    expect(problems.join('\n')).toContain('LIVE_SUBSCRIPTIONS_PER_INSTANCE="many"');
    expect(problems.join('\n')).toContain('LIVE_QUEUE_EVENTS="0" must be a whole number of at least 1');
  });

  it('requires MASTER_KEY in production', () => {
    expect(() => loadServerConfig({ ...valid(), NODE_ENV: 'production' })).toThrow(/MASTER_KEY/);
    expect(loadServerConfig({ ...valid(), NODE_ENV: 'production', MASTER_KEY: 'ab'.repeat(32) }).production).toBe(true);
    // Beside other problems too: all of them at once.
    let error: unknown;
    try {
      loadServerConfig({ ...valid(), NODE_ENV: 'production', RPC_URL: 'nope', AUDIT_BATCH_SIZE: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    for (const variable of ['MASTER_KEY', 'RPC_URL', 'AUDIT_BATCH_SIZE']) expect(problems.join('\n')).toContain(variable);
  });
});

describe('the API process\'s settings', () => {
  it('reads where to listen and --exit-with-stdin beside the server\'s settings', () => {
    expect(loadApiProcessConfig(valid(), [])).toMatchObject({ port: 4000, host: '127.0.0.1', exitWithStdin: false, server: { kAnonymity: 5 } });
    expect(loadApiProcessConfig({ ...valid(), API_PORT: '0', HOST: '0.0.0.0' }, ['--exit-with-stdin'])).toMatchObject({ port: 0, host: '0.0.0.0', exitWithStdin: true });
  });

  it('lists a bad port, an unknown argument and the server\'s problems at once', () => {
    let error: unknown;
    try {
      loadApiProcessConfig({ ...valid(), API_PORT: '70000', K_ANONYMITY: '1' }, ['--exit-with-stdin', '--verbose']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems).toContain('API_PORT="70000" is not a TCP port (0 to 65535); unset it to use 4000.');
    expect(problems.join('\n')).toContain('--verbose');
    expect(problems.join('\n')).toContain('K_ANONYMITY="1"');
  });
});
