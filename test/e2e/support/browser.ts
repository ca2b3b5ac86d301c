import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of each view, for people to look at (git-ignored), one folder per screen size. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results', 'e2e');

/** The screen sizes every flow runs at: a laptop and a phone. */
export const VIEWPORTS = {
  desktop: { width: 1366, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests drive Chromium at ${CHROMIUM_PATH}, which is missing. Install it with ` +
        '`apt-get update && apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** The size a page was opened at (its viewport), by name. */
function viewportName(page: Page): ViewportName {
  const width = page.viewportSize()?.width ?? VIEWPORTS.desktop.width;
  return width <= VIEWPORTS.phone.width ? 'phone' : 'desktop';
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const folder = path.join(SCREENSHOT_DIR, viewportName(page));
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2 A and AA rules) on the page and returns its serious and critical findings, in words. */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through DevTools, not as a <script>: the client's Content-Security-Policy stays as users get it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.slice(0, 5).map(({ target, failureSummary }) => ({ target: target as string[], failureSummary })) }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id} (${violation.help}): ${violation.nodes.map((node) => `${node.target.join(' ')} — ${node.failureSummary ?? ''}`).join('; ')}`);
}

/** What makes the page wider than the screen (a table or a long address running off a phone's edge), if anything. */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth <= width + 1) return [];
    const name = (element: Element) => `${element.tagName.toLowerCase()}${element.className ? `.${String(element.className).split(' ').join('.')}` : ''}`;
    // Elements that end past the edge, and elements whose own content (e.g. a long word) runs past theirs.
    const culprits = Array.from(document.querySelectorAll('body *'))
      .filter((element) => element.getBoundingClientRect().right > width + 1 || (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0 && getComputedStyle(element).overflowX === 'visible'))
      .slice(-5)
      .map((element) => `${name(element)} "${(element.textContent ?? '').slice(0, 40)}"`);
    return [`the page is ${pageWidth} px wide on a ${width} px screen: ${culprits.join('; ') || 'no element found'}`];
  });
}

/**
 * What a reviewer and the test look at after each step: a full-page screenshot in the folder of the
 * page's screen size, axe-core's serious and critical findings, and anything running off the screen.
 */
export async function look(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  const problems = [...(await seriousAccessibilityProblems(page)), ...(await horizontalOverflow(page)).map((item) => `overflow: ${item}`)];
  if (problems.length > 0) throw new Error(`${name} (${viewportName(page)}): ${problems.length} problem(s):\n${problems.join('\n')}`);
}
