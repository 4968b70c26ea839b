export interface KubeconfigParts {
  clusterName: string;
  server: string;
  /** No token: the user entry has no credentials. */
  token: string | undefined;
}

/** A YAML double-quoted scalar: JSON's string syntax is a subset of it (YAML 1.2 §7.3.1). */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/**
 * A kubeconfig (apiVersion v1, kind Config) with one cluster, one user and one context named after the cluster, and
 * that context current — what `KubeConfig.loadFromString` and kubectl read.
 */
export function kubeconfigYaml({ clusterName, server, token }: KubeconfigParts): string {
  const user = `${clusterName}-user`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${quoted(clusterName)}`,
    '  cluster:',
    `    server: ${quoted(server)}`,
    // client-node 1.x refuses an http:// server unless TLS verification is off (there is no TLS to verify)
    ...(server.startsWith('http:') ? ['    insecure-skip-tls-verify: true'] : []),
    'users:',
    `- name: ${quoted(user)}`,
    token === undefined ? '  user: {}' : `  user:\n    token: ${quoted(token)}`,
    'contexts:',
    `- name: ${quoted(clusterName)}`,
    '  context:',
    `    cluster: ${quoted(clusterName)}`,
    `    user: ${quoted(user)}`,
    `current-context: ${quoted(clusterName)}`,
    'preferences: {}',
    '',
  ].join('\n');
}
