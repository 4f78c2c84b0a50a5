import type { Locator, Page } from '@playwright/test'
import { readFileSync } from 'node:fs'

import { expect, screenshot, test } from './support/fixtures'

/** Whether two boxes overlap. */
function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

/** Every visible control the toast's box lies over (the toast's own excepted). */
async function controlsUnder(page: Page, toast: Locator): Promise<string[]> {
  const box = await toast.boundingBox()
  if (!box) return []
  const covered: string[] = []
  for (const control of await page.locator('button:visible, input:visible, textarea:visible, select:visible, a.button:visible').all()) {
    if (await control.evaluate((el) => el.closest('[data-testid=toast]') !== null)) continue
    const other = await control.boundingBox()
    if (other && overlaps(box, other)) covered.push((await control.textContent()) || (await control.getAttribute('data-testid')) || '?')
  }
  return covered
}

test('the demo pipeline streams its log, steps and progress to 100%', async ({ signedIn: page, account }) => {
  await page.goto('/tasks')
  await expect(page.locator('[data-testid=task-definitions] [data-task=pipeline]')).toBeVisible()
  await page.getByTestId('start-pipeline').click()
  await expect(page).toHaveURL(/\/tasks\/\d+$/)
  const taskId = page.url().split('/').pop()

  // Progress moves while it runs, then reaches 100% with every step done.
  await expect(page.getByTestId('task-progress-label')).toHaveText('100%', { timeout: 30_000 })
  await expect(page.getByTestId('task-status')).toHaveText('succeeded')
  const steps = page.locator('[data-testid=task-steps] li')
  await expect(steps).toHaveCount(5)
  for (const step of await steps.all()) await expect(step).toHaveAttribute('data-status', 'done')
  await expect(page.locator('[data-testid=log-row]', { hasText: 'pipeline finished' })).toBeVisible()
  await expect(page.locator('[data-testid=log-row]', { hasText: '120 passed' })).toBeVisible()
  const lines = Number(await page.getByTestId('log-count').getAttribute('data-count'))
  expect(lines).toBeGreaterThanOrEqual(13)

  // The run is in the list, and its completion raised a success toast (from /debug)
  // that says so in words, links to the run and covers no control.
  await expect(page.locator(`[data-testid=task-runs] [data-run="${taskId}"]`)).toContainText('succeeded')
  const toast = page.locator('[data-testid=toast][data-kind=success]', { hasText: `pipeline #${taskId} succeeded` })
  await expect(toast).toBeVisible()
  await expect(toast.getByTestId('toast-link')).toHaveAttribute('href', `/tasks/${taskId}`)
  expect(await controlsUnder(page, toast)).toEqual([])
  await screenshot(page, 'tasks')

  // The download fetches the whole log with the session's Bearer token.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('task-download').click()])
  expect(download.suggestedFilename()).toBe(`task-${taskId}.log`)
  expect(readFileSync(await download.path(), 'utf8')).toContain('pipeline finished')
  const response = await page.request.get(`/api/tasks/${taskId}/log`, {
    headers: { Authorization: `Bearer ${account.token}` },
  })
  expect(response.status()).toBe(200)
})

test('toasts never cover the chat composer', async ({ signedIn: page, account }) => {
  await page.goto('/chat/room/general')
  await expect(page.getByTestId('chat-input')).toBeEnabled()
  const post = await page.request.post('/api/debug', {
    headers: { Authorization: `Bearer ${account.token}` },
    data: { level: 'error', source: 'deploy/e2e', message: `rollback failed ${Date.now()}` },
  })
  expect(post.status()).toBe(202)
  const toast = page.getByTestId('toast').first()
  await expect(toast).toBeVisible()
  await expect(toast).toContainText('from deploy/e2e')
  expect(await controlsUnder(page, toast)).toEqual([])
})

test('a run opened after it finished shows its stored log', async ({ signedIn: page }) => {
  await page.goto('/tasks')
  await page.getByTestId('start-pipeline').click()
  await expect(page.getByTestId('task-status')).toHaveText('succeeded', { timeout: 30_000 })
  const url = page.url()
  await page.goto('/debug')
  await page.goto(url)
  await expect(page.locator('[data-testid=log-row]', { hasText: 'pipeline finished' })).toBeVisible()
  await expect(page.getByTestId('task-progress-label')).toHaveText('100%')
})
