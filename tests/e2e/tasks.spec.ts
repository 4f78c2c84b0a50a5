import { expect, screenshot, test } from './support/fixtures'

test('the demo pipeline streams its log, steps and progress to 100%', async ({ signedIn: page, baseURL }) => {
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

  // The run is in the list, and its completion raised a success toast (from /debug).
  await expect(page.locator(`[data-testid=task-runs] [data-run="${taskId}"]`)).toContainText('succeeded')
  const toast = page.locator('[data-testid=toast][data-kind=success]', { hasText: `task:${taskId}` })
  await expect(toast).toBeVisible()
  await screenshot(page, 'tasks')

  // The download link serves the whole log as text.
  await expect(page.getByTestId('task-download')).toHaveAttribute('href', `/api/tasks/${taskId}/log`)
  const response = await page.request.get(`${baseURL}/api/tasks/${taskId}/log`)
  expect(response.status()).toBe(200)
  expect(await response.text()).toContain('pipeline finished')
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
