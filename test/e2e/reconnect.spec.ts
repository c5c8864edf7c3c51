import { startServer } from '../../server/server';
import { expect, test } from './fixtures';

test('the inspector reconnects to the tap by itself when the server restarts, and says so', async ({
  page,
}) => {
  let server = await startServer({ port: 0, host: '127.0.0.1' });
  const port = server.port;
  try {
    await page.goto(server.url);
    const tapState = page.locator('.tap-state');
    await expect(tapState).toHaveAttribute('data-state', 'live');
    await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
    await server.close();
    await expect(tapState).toContainText('reconnecting');
    await expect(page.getByTestId('chat-status')).toContainText('1001');

    server = await startServer({ port, host: '127.0.0.1' });
    await expect(tapState).toHaveAttribute('data-state', 'live');
    await page.getByTestId('chat-connect').click();
    await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
    // The new server numbers connections from c1 again; the inspector keeps the two apart.
    const chatLanes = page.locator('[data-testid="connection"][data-role="chat"]');
    await expect(chatLanes).toHaveCount(2);
    await expect(chatLanes.last()).toHaveAttribute('data-state', 'open');
    await expect(chatLanes.first()).not.toHaveAttribute('data-state', 'open');
    await page.screenshot({ path: test.info().outputPath('page.png'), fullPage: true });
  } finally {
    await server.close();
  }
});
