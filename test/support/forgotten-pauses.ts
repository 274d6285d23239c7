/**
 * Setup file of the Workers projects: a pause point never ends by itself, so a test that
 * armed one and did not release it fails here, after its own hooks, instead of passing on
 * a timer. Each pause left is let go first, so no request or alarm stays parked on it.
 */
import { afterEach } from "vitest";
import { takePauses } from "../../src/cart/saga/probe";

afterEach(() => {
  const left = takePauses();
  if (left.length === 0) return;
  const named = left.map(({ point, waiting }) => (waiting ? `${point} (a saga step waited there)` : `${point} (armed, never reached)`));
  throw new Error(`The test left pause points it did not release: ${named.join(", ")}`);
});
