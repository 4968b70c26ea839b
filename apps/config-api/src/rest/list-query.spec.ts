import { ConfigError, type ConfigObject, type ConfigState } from '#libs/domain';
import { DEFAULT_LIST_LIMITS, ListLimitError, parseListQuery, selectObjects } from './list-query.js';

// LIST_MAX_PAGE and LIST_MAX_UNPAGED: what one list may answer.

function state(count: number): ConfigState {
  const objects: ConfigObject[] = Array.from({ length: count }, (_, i) => ({
    type: 'virtual-network',
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    fq_name: ['default-domain', 'default-project', `vn-${i}`],
    parent_type: 'project',
    parent_uuid: 'p',
    props: {},
    refs: {},
    allocations: [],
    created: '2026-01-01T00:00:00Z',
    last_modified: '2026-01-01T00:00:00Z',
    revision: 0,
  }));
  return { all: () => objects, uuidOf: () => undefined } as unknown as ConfigState;
}

const limits = { maxPage: 5, maxUnpaged: 8 };

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('list limits', () => {
  it('defaults to pages of up to 10,000 and unpaged lists of up to 100,000', () => {
    expect(DEFAULT_LIST_LIMITS).toEqual({ maxPage: 10_000, maxUnpaged: 100_000 });
  });

  it('takes page_limit up to LIST_MAX_PAGE and refuses more with a 400 naming the setting, counted as a limit hit', () => {
    expect(parseListQuery({ page_limit: '5' }, 5).pageLimit).toBe(5);
    const error = thrown(() => parseListQuery({ page_limit: '6' }, 5));
    expect(error).toBeInstanceOf(ListLimitError);
    expect(error).toMatchObject({ status: 400, limit: 'list_page_limit', field: 'page_limit', message: 'page_limit must be an integer from 1 to 5 (LIST_MAX_PAGE), not "6"' });
  });

  it.each(['0', 'abc', '-3', '1.5'])('refuses page_limit=%s as a bad request, not a limit hit', (value) => {
    const error = thrown(() => parseListQuery({ page_limit: value }, 5));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(ListLimitError);
    expect(error).toMatchObject({ status: 400, message: `page_limit must be an integer from 1 to 5 (LIST_MAX_PAGE), not ${JSON.stringify(value)}` });
  });

  it('answers an unpaged list of up to LIST_MAX_UNPAGED objects whole', () => {
    expect(selectObjects(state(8), 'virtual-network', parseListQuery({}), limits).items).toHaveLength(8);
  });

  it('refuses a longer unpaged list with a 413 that tells the client to page, counted as a limit hit', () => {
    const error = thrown(() => selectObjects(state(9), 'virtual-network', parseListQuery({ detail: 'true' }), limits));
    expect(error).toBeInstanceOf(ListLimitError);
    expect(error).toMatchObject({
      status: 413,
      limit: 'list_unpaged',
      message:
        'this list of virtual-network would answer 9 objects, more than the 8 a list answers without paging (LIST_MAX_UNPAGED): ' +
        'ask for pages with page_limit (up to 5) and page_marker, or for count=true',
    });
  });

  it('counts what is left after page_marker, answers count=true and pages of any length of list, and 0 means no limit', () => {
    const nine = state(9);
    const marker = [...nine.all()][0]!.uuid;
    expect(selectObjects(nine, 'virtual-network', parseListQuery({ page_marker: marker }), limits).items).toHaveLength(8);
    expect(selectObjects(nine, 'virtual-network', parseListQuery({ count: 'true' }), limits).items).toHaveLength(9);
    const paged = selectObjects(nine, 'virtual-network', parseListQuery({ page_limit: '5' }, 5), limits);
    expect(paged.items).toHaveLength(5);
    expect(paged.marker).toBe(paged.items[4]!.uuid);
    expect(selectObjects(state(50), 'virtual-network', parseListQuery({}), { maxPage: 5, maxUnpaged: 0 }).items).toHaveLength(50);
  });
});
