import { ServingStatus } from '#libs/proto';
import { HealthStatusBoard, WHOLE_SERVER, type HealthWatcher } from './health-status-board.js';

function recorder() {
  const seen: Array<ServingStatus | 'end'> = [];
  const watcher: HealthWatcher = { update: (s) => seen.push(s), end: () => seen.push('end') };
  return { seen, watcher };
}

describe('HealthStatusBoard', () => {
  it('knows only the services it was told about', () => {
    const board = new HealthStatusBoard();
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    expect(board.get(WHOLE_SERVER)).toBe(ServingStatus.SERVING);
    expect(board.get('other')).toBeUndefined();
    expect([...board.all()]).toEqual([[WHOLE_SERVER, ServingStatus.SERVING]]);
  });

  it('tells a watcher the status now, then each change, but not a repeat', () => {
    const board = new HealthStatusBoard();
    board.set('svc', ServingStatus.NOT_SERVING);
    const { seen, watcher } = recorder();
    board.watch('svc', watcher);
    board.set('svc', ServingStatus.SERVING);
    board.set('svc', ServingStatus.SERVING);
    board.set('svc', ServingStatus.NOT_SERVING);
    expect(seen).toEqual([ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('answers a watch of an unknown service with SERVICE_UNKNOWN and keeps it open until the service appears', () => {
    const board = new HealthStatusBoard();
    const { seen, watcher } = recorder();
    board.watch('later', watcher);
    board.set('later', ServingStatus.SERVING);
    expect(seen).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
  });

  it('stops telling a watcher that was removed', () => {
    const board = new HealthStatusBoard();
    const { seen, watcher } = recorder();
    const remove = board.watch('svc', watcher);
    remove();
    remove();
    board.set('svc', ServingStatus.SERVING);
    expect(seen).toEqual([ServingStatus.SERVICE_UNKNOWN]);
  });

  it('on shutdown turns every service NOT_SERVING, then ends every watch', () => {
    const board = new HealthStatusBoard();
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    const a = recorder();
    const b = recorder();
    board.watch(WHOLE_SERVER, a.watcher);
    board.watch('unknown', b.watcher);
    board.shutdown();
    expect(a.seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING, 'end']);
    expect(b.seen).toEqual([ServingStatus.SERVICE_UNKNOWN, 'end']);
    expect(board.get(WHOLE_SERVER)).toBe(ServingStatus.NOT_SERVING);
  });

  it('after shutdown answers a new watch with NOT_SERVING and ends it', () => {
    const board = new HealthStatusBoard();
    board.shutdown();
    const { seen, watcher } = recorder();
    board.watch(WHOLE_SERVER, watcher);
    expect(seen).toEqual([ServingStatus.NOT_SERVING, 'end']);
  });
});
