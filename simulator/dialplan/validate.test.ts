import { describe, expect, it } from 'vitest';
import { parseExtensions } from './parse.js';
import { validateDialplan } from './validate.js';

const apps = ['Answer', 'NoOp', 'Goto', 'GotoIf', 'Set', 'Hangup'];

describe('validateDialplan', () => {
  it('accepts a dialplan that uses only what is provided', () => {
    const dp = parseExtensions(
      `
[a]
exten => s,1,answer()
 same => n,GotoIf($["\${X}" = ""]?empty:b,s,1)
 same => n(empty),Set(Y=\${IF(\${ISNULL(\${X})}?\${UUID()}:\${CHANNEL(name)})})
 same => n,Goto(\${DEST})
 same => n,Goto(empty)
 same => n,GotoIf(\${IF(\${X}?1:0)}?empty:b,s,1)
 same => n,GotoIf($["\${X}" = "?"]?empty)
 same => n,GotoIf(\${X}?\${IF(a?b:c)})
[b]
exten => s,1,Hangup
`,
      'extensions.conf',
    );
    expect(validateDialplan(dp, { apps, functions: ['CHANNEL'] })).toEqual([]);
  });

  it('reports unknown applications, functions and Goto targets with file and line', () => {
    const dp = parseExtensions(
      `
[a]
exten => s,1,Dial(PJSIP/100)
 same => n,Set(X=\${FOO(1)})
 same => n,GotoIf(\${X}?nolabel:b,s,1)
 same => n,Goto(ghost,s,1)
 same => n,Goto(b,s,2)
 same => n,Answer ()
[b]
exten => s,1,Hangup
`,
      'extensions.conf',
    );
    expect(validateDialplan(dp, { apps }).map((e) => [e.message, e.code])).toEqual([
      ['extensions.conf:3: unsupported application Dial()', 'DIALPLAN_ERR_UNKNOWN_APP'],
      ['extensions.conf:4: unsupported function FOO()', 'DIALPLAN_ERR_UNKNOWN_FUNCTION'],
      ["extensions.conf:5: GotoIf: no label 'nolabel' in s@a", 'DIALPLAN_ERR_BAD_TARGET'],
      ["extensions.conf:6: Goto: context 'ghost' does not exist", 'DIALPLAN_ERR_BAD_TARGET'],
      ['extensions.conf:7: Goto: s,2@b does not exist', 'DIALPLAN_ERR_BAD_TARGET'],
      ['extensions.conf:8: unsupported application Answer ()', 'DIALPLAN_ERR_UNKNOWN_APP'],
    ]);
  });
});
