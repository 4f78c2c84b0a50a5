import { PASSWORD, expect, screenshot, test, uniqueName } from './support/fixtures'

test('a visitor registers, signs out and signs in again', async ({ page }) => {
  await page.goto('/tasks')
  await expect(page).toHaveURL(/\/login\?redirect=(%2F|\/)tasks$/)
  await screenshot(page, 'login')

  const username = uniqueName('reg')
  await page.getByTestId('tab-register').click()
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  // Back where the visitor wanted to go, signed in and connected.
  await expect(page).toHaveURL(/\/tasks$/)
  await expect(page.getByTestId('current-user')).toHaveText(username)
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected')

  await page.getByTestId('sign-out').click()
  await expect(page).toHaveURL(/\/login/)

  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill('wrong password!')
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('login-error')).toBeVisible()

  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('current-user')).toHaveText(username)
  await expect(page).toHaveURL(/\/$/)
})

test('a refused token sends the user back to the login page', async ({ page }) => {
  await page.addInitScript(() =>
    localStorage.setItem('pulseboard.session', JSON.stringify({ token: 'forged', user: { id: 1, username: 'x' } })),
  )
  await page.goto('/debug')
  await expect(page).toHaveURL(/\/login/)
  await expect(page.getByText('Your session has expired')).toBeVisible()
})
