/*
 * Test support (not a spec; `*.test.ts` is left out of the build): the control plane's desired state taken from an
 * in-memory config world (libs/routing's network-world.test.ts), moved on by `settle` after the world changed.
 */
import { NetworkModel, type NetworkChange } from '#libs/routing';
import type { World } from '../../../../libs/routing/src/network/network-world.test.js';
import type { DesiredStateSource } from './control-plane.js';

export class WorldSource implements DesiredStateSource {
  model: NetworkModel;
  private readonly listeners = new Set<(change: NetworkChange) => void>();

  constructor(readonly world: World) {
    this.model = NetworkModel.build(world.state);
  }

  onChange(listener: (change: NetworkChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Folds what the world touched since into the model and tells the listeners. */
  settle(): void {
    const change = this.model.update(this.world.state, this.world.takeTouched());
    for (const listener of this.listeners) listener(change);
  }
}
