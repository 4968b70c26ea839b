export { canonicalPrefix } from './prefix.js';
export { comparePaths, effectiveLocalPreference, samePathSets, type PathAttributes, type RouteChange, type RoutePath } from './route-path.js';
export { RoutingError } from './routing-error.js';
export { RoutingTables } from './routing-tables.js';
