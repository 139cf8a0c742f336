import { controllerEnabled } from './controller-selection';

describe('controllerEnabled', () => {
  const names = ['node-lifecycle-controller', 'nodelifecycle'];
  it.each([
    [['*'], true],
    [['*', '-nodelifecycle'], false],
    [['*', '-node-lifecycle-controller'], false],
    [['nodelifecycle'], true],
    [['bootstrapsigner'], false],
  ])('%j -> %s', (controllers, expected) => expect(controllerEnabled(controllers, names)).toBe(expected));
});
