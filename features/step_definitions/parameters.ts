/** Parameter types shared by the steps. */
import { defineParameterType } from '@cucumber/cucumber';
import { parseCount } from '../support/expect.js';

// A count as in Asterisk's testsuite: 1, 0, >0, >=2, <3, <=3, 2..4.
defineParameterType({
  name: 'count',
  regexp: /\d+\.\.\d+|[<>]=?\d+|\d+/,
  transformer: (s: string) => parseCount(s),
});
