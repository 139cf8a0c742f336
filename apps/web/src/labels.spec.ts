import { parseLabels } from './labels';

describe('parseLabels', () => {
  it('reads comma-separated key=value pairs', () => {
    expect(parseLabels(' team=a , tier=ci,')).toEqual({ labels: { team: 'a', tier: 'ci' } });
    expect(parseLabels('')).toEqual({ labels: {} });
  });
  it('names the piece that is not key=value', () => {
    expect(parseLabels('team=a, oops')).toEqual({ error: '"oops" is not key=value' });
  });
});
