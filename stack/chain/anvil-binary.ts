import path from 'node:path';

/** npm's platform packages of anvil, which `@foundry-rs/anvil` lists as optional dependencies. */
const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

/** Path of the anvil executable npm installed for this platform; the error says what to do when there is none. */
export function anvilBinary(): string {
  const platform = `${process.platform}-${process.arch}`;
  const name = PLATFORM_PACKAGES[platform];
  if (!name) {
    throw new Error(`anvil has no npm build for ${platform}. Run a chain yourself (e.g. Foundry's anvil) and set RPC_URL to it.`);
  }
  try {
    const folder = path.dirname(require.resolve(`${name}/package.json`));
    return path.join(folder, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch {
    throw new Error(`${name} is not installed (an optional dependency of @foundry-rs/anvil). Run \`npm ci\` without --omit=optional, or set RPC_URL to a running chain.`);
  }
}
