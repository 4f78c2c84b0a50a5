/** axe-core checks the specs share: no serious or critical violation on the page as it is. */
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'

/**
 * Run axe on `page` (only inside `within`, a selector, when given) and fail
 * with each serious or critical violation named: its rule, help and first nodes.
 */
export async function expectAccessible(page: Page, name: string, within?: string): Promise<void> {
  await settled(page)
  const builder = new AxeBuilder({ page })
  const results = await (within ? builder.include(within) : builder).analyze()
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
  expect(bad).toEqual([])
}

/**
 * Until every finite animation and transition on the page has ended: axe
 * reads colours as they are, and a toast still fading in (0.2 s) has a
 * fraction of its contrast. Endless ones (the connection pulse) are not waited for.
 */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
  )
}
