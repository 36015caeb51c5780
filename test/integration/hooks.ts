/** Root hooks: one real control plane for the whole integration run, a namespace per test. */
import { ControlPlane } from '../harness/control-plane.js';
import { deleteTestNamespaces, setControlPlane } from './env.js';

let cp: ControlPlane | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(20 * 60_000); // a first run on a new machine builds the binaries
    cp = await ControlPlane.start({ log: (m) => console.log(`      [control plane] ${m}`) });
    setControlPlane(cp);
  },
  async afterEach() {
    await deleteTestNamespaces();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await cp?.stop();
    setControlPlane(undefined);
  },
};
