import type { Page } from '@playwright/test'

import { expect, openAs, registerUser, screenshot, test } from './support/fixtures'

const WIDTHS = [
  { width: 360, height: 740 },
  { width: 768, height: 900 },
  { width: 1400, height: 860 },
]

/** The document never scrolls sideways (a page wider than the window). */
async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(1)
}

for (const viewport of WIDTHS) {
  test(`every page is usable at ${viewport.width} px`, async ({ browser, baseURL }) => {
    const account = await registerUser(baseURL as string, 'narrow')
    const page = await openAs(browser, baseURL as string, account, '/', viewport)
    const narrow = viewport.width < 900
    await expect(page.locator('[data-testid=chart][data-stream="demo.sine"]')).toBeVisible()
    await expect(page.getByTestId('menu-button')).toHaveCount(narrow ? 1 : 0)
    await expect(page.getByTestId('nav-tasks')).toBeVisible({ visible: !narrow })
    await noSidewaysScroll(page)
    await screenshot(page, `dashboard-${viewport.width}`)

    // The menu opens the navigation; a choice closes it.
    if (narrow) {
      await page.getByTestId('menu-button').click()
      await expect(page.getByTestId('nav-tasks')).toBeVisible()
      await screenshot(page, `menu-${viewport.width}`)
    }
    await page.getByTestId('nav-tasks').click()
    await expect(page.getByTestId('task-definitions')).toBeVisible()
    await page.getByTestId('start-pipeline').click()
    await expect(page.getByTestId('task-status')).toHaveText('succeeded', { timeout: 30_000 })
    await expect(page.getByTestId('log-viewport')).toBeVisible()
    await noSidewaysScroll(page)
    await screenshot(page, `tasks-${viewport.width}`)

    // Chat: a real text box and Send inside the window; rooms and members are drawers when narrow.
    await page.goto('/chat/room/general')
    const input = page.getByTestId('chat-input')
    await expect(input).toBeEnabled()
    const inputBox = await input.boundingBox()
    const sendBox = await page.getByTestId('chat-send').boundingBox()
    expect(inputBox!.width).toBeGreaterThan(Math.min(200, viewport.width * 0.5))
    expect(sendBox!.x + sendBox!.width).toBeLessThanOrEqual(viewport.width)
    await noSidewaysScroll(page)
    if (narrow) {
      await expect(page.getByTestId('chat-rooms-panel')).not.toBeInViewport()
      await page.getByTestId('chat-open-rooms').click()
      await expect(page.locator('[data-testid=chat-rooms] [data-room=general]')).toBeInViewport()
      await page.keyboard.press('Escape')
      await page.getByTestId('chat-open-members').click()
      await expect(page.locator(`[data-member="${account.user.username}"]`)).toBeInViewport()
      await screenshot(page, `chat-members-${viewport.width}`)
      await page.keyboard.press('Escape')
    } else {
      await expect(page.locator(`[data-member="${account.user.username}"]`)).toBeInViewport()
    }
    await input.fill(`hello at ${viewport.width} px`)
    await input.press('Enter')
    await expect(page.getByTestId('chat-text').filter({ hasText: `hello at ${viewport.width} px` })).toBeVisible()
    await screenshot(page, `chat-${viewport.width}`)

    for (const path of ['debug', 'console']) {
      await page.goto(`/${path}`)
      await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected')
      await noSidewaysScroll(page)
      await screenshot(page, `${path}-${viewport.width}`)
    }
    await page.context().close()
  })
}
