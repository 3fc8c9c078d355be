/**
 * Whatever a test opens is closed after it, whether it passed or not: an app, a server or a
 * client left running by a failed assertion would keep Jest from exiting. Importing this module
 * adds the `afterEach` that does it to the importing spec file.
 */
const opened: Array<{ close(): unknown }> = [];

/** Closes `thing` after the current test, the last opened first. Closing twice must be harmless. */
export function closeAfterTest<T extends { close(): unknown }>(thing: T): T {
  opened.push(thing);
  return thing;
}

afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) {
    try {
      await thing.close();
    } catch {
      // It failed or was already closed: nothing more can be freed here.
    }
  }
});
