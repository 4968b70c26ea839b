import { parseClusterCliArgs } from './cluster-cli-args.js';

describe('cluster CLI arguments', () => {
  it('parses attach with its defaults', () => {
    expect(parseClusterCliArgs(['attach', '--name', 'east', '--kubeconfig', 'east.yaml'])).toEqual({
      command: 'attach',
      name: 'east',
      kubeconfig: 'east.yaml',
      podSubnets: undefined,
      serviceSubnets: undefined,
      out: 'deploy/clusters/east',
      image: undefined,
      namespace: undefined,
      inProcess: false,
      configApi: '127.0.0.1:50051',
    });
  });

  it('parses attach options, and the config API address from the environment', () => {
    const args = parseClusterCliArgs(['attach', '--name=east', '--kubeconfig', 'k', '--pod-subnets', '10.32.0.0/16,10.33.0.0/16', '--in-process'], {
      CONFIG_API_GRPC: 'api:50051',
    });
    expect(args).toMatchObject({ podSubnets: ['10.32.0.0/16', '10.33.0.0/16'], inProcess: true, configApi: 'api:50051' });
  });

  it('parses detach', () => {
    expect(parseClusterCliArgs(['detach', '--name', 'east', '--keep-objects', '--config-api', 'h:1'])).toEqual({
      command: 'detach',
      name: 'east',
      keepObjects: true,
      configApi: 'h:1',
    });
  });

  it('takes the token file from --token-file, else CONFIG_API_TOKEN_FILE', () => {
    expect(parseClusterCliArgs(['detach', '--name', 'east', '--token-file', 'admin.token'], { CONFIG_API_TOKEN_FILE: 'env.token' })).toMatchObject({ tokenFile: 'admin.token' });
    expect(parseClusterCliArgs(['attach', '--name', 'east', '--kubeconfig', 'k'], { CONFIG_API_TOKEN_FILE: 'env.token' })).toMatchObject({ tokenFile: 'env.token' });
    expect(parseClusterCliArgs(['detach', '--name', 'east'])).not.toHaveProperty('tokenFile');
  });

  it.each([
    [[], /expected attach or detach/],
    [['remove', '--name', 'a'], /expected attach or detach, not "remove"/],
    [['attach', '--kubeconfig', 'k'], /--name NAME is required/],
    [['attach', '--name', 'East'], /not a DNS label/],
    [['attach', '--name', 'east'], /--kubeconfig FILE is required/],
    [['attach', '--name', 'east', '--kubeconfig'], /--kubeconfig needs a value/],
    [['attach', '--name', 'east', '--kubeconfig', 'k', '--pod-subnets', '10.0.0.0'], /--pod-subnets takes CIDRs.*"10.0.0.0"/],
    [['attach', '--name', 'east', '--kubeconfig', 'k', '--bogus'], /unknown argument "--bogus"/],
    [['detach', '--name', 'east', '--kubeconfig', 'k'], /--kubeconfig does not apply to detach/],
    [['attach', '--name', 'east', '--kubeconfig', 'k', '--keep-objects'], /--keep-objects does not apply to attach/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseClusterCliArgs(argv as string[])).toThrow(message);
  });
});
