type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** What `run` throws, when it is an `type`: any other error is rethrown, and no error at all fails the test. */
export function thrownBy<E extends Error>(type: ErrorClass<E>, run: () => unknown): E {
  try {
    run();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}`);
}

/** `thrownBy` for a promise: its rejection, when it is an `type`. */
export async function rejectionBy<E extends Error>(
  type: ErrorClass<E>,
  promise: Promise<unknown>,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}`);
}
