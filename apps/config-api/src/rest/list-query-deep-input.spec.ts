import { ConfigError } from '#libs/domain';
import { parseListQuery } from './list-query.js';

// Found by fuzzing /list-bulk-collection (test/fuzz): a parameter given as a list nested thousands of levels deep
// overflowed the stack turning into text, a 500. Each is a 400 naming the parameter.

function deepList(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function refusal(raw: Record<string, unknown>): unknown {
  try {
    parseListQuery(raw);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('list parameters nested too deeply', () => {
  it.each(['page_limit', 'page_marker', 'detail', 'count', 'shared', 'exclude_hrefs', 'parent_type', 'parent_fq_name_str', 'fq_names'])('%s as a list 100000 deep is a 400', (key) => {
    const error = refusal({ [key]: deepList(100_000) });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ status: 400, field: key });
  });

  it('a repeated query parameter still takes its last value, and fq_names a list of parts', () => {
    expect(parseListQuery({ page_limit: ['5', '7'] })).toMatchObject({ pageLimit: 7 });
    expect(parseListQuery({ fq_names: [['default-domain', 'default-project']] })).toMatchObject({ fqNames: [['default-domain', 'default-project']] });
  });
});
