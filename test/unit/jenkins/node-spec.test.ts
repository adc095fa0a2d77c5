import { describe, expect, it } from 'vitest';
import {
  createNodeQuery,
  jobPath,
  pyQuote,
  pyUrlencode,
  relabelConfig,
} from '../../../src/jenkins/index.js';

describe('pyQuote and pyUrlencode', () => {
  it('encode as Python urllib.parse does', () => {
    expect(pyQuote('a b/c~d!é')).toBe('a%20b/c~d%21%C3%A9');
    expect(
      pyUrlencode([
        ['NODE', 'a b/c&d'],
        ['x', '$'],
      ]),
    ).toBe('NODE=a+b%2Fc%26d&x=%24');
    expect(jobPath('folder/my job')).toBe('job/folder/job/my%20job/');
  });
});

describe('createNodeQuery', () => {
  it('orders name, type, json and quotes the JSON with quote_plus', () => {
    const q = createNodeQuery({
      name: 'n1',
      host: 'h',
      description: 'd',
      root: '/r',
      credentialsId: 'c',
    });
    expect(
      q.startsWith(
        'name=n1&type=hudson.slaves.DumbSlave%24DescriptorImpl&json=%7B%22name%22%3A+%22n1%22',
      ),
    ).toBe(true);
    expect(new URLSearchParams(q).get('json')).toContain('"labelString": null');
  });
});

describe('relabelConfig', () => {
  it('replaces every single-line label and returns the first old one', () => {
    const xml =
      '<slave>\n<label>old one</label>\n<x><label>two</label></x>\n<label>multi\nline</label></slave>';
    expect(relabelConfig(xml, ['new', 'labels'])).toEqual({
      xml: '<slave>\n<label>new labels</label>\n<x><label>new labels</label></x>\n<label>multi\nline</label></slave>',
      old: 'old one',
    });
    expect(relabelConfig('<slave/>', ['x'])).toEqual({ xml: '<slave/>', old: null });
  });
});
