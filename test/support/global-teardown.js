export default async function globalTeardown() {
  globalThis.__CONTRAIL_PG__?.stop();
}
