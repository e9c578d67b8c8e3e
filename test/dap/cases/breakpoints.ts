// Line breakpoints: plain with variables (lazy expansion, paging, truncation), conditions, hit
// counts, logpoints, setVariable, evaluate (incl. `await` on the paused loop).
import type { Case } from '../harness';

export const breakpointCases: Case[] = [
  {
    name: 'breakpoint hit with the right variables',
    fixture: 'breakpoints.py',
    breakpoints: ['after_setup'],
    async script(s) {
      await s.stopped();
      const v = await s.vars('info', 'account');
      const numbers = v.numbers;
      s.log.push(`  numbers: ${numbers.value.slice(0, 20)}… indexed=${numbers.indexedVariables}`);
      const page = await s.dc.variablesRequest({ variablesReference: numbers.variablesReference, filter: 'indexed', start: 250, count: 3 });
      s.log.push(`  numbers[250:253] = ${page.body.variables.map((x) => `${x.name}=${x.value}`).join(' ')}`);
      const acct = await s.dc.variablesRequest({ variablesReference: v.account.variablesReference });
      s.log.push(`  account.* = ${acct.body.variables.map((x) => `${x.name}=${x.value}`).join(' ')}`);
      s.log.push(`  len(text repr) <= 512: ${v.text.value.length <= 512}`);
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint breakpoints.py:@after_setup main',
      "  info = {'name': 'ada', 'langs': ['en', 'fr'], 'age': 36}",
      '  account = <__main__.Account object at 0x…>',
      '  numbers: [0, 1, 2, 3, 4, 5, 6… indexed=300',
      '  numbers[250:253] = [250]=250 [251]=251 [252]=252',
      "  account.* = owner='ada' balance=12.5",
      '  len(text repr) <= 512: true',
      'exited 0',
    ],
  },
  {
    name: 'conditional and hit-count breakpoints',
    fixture: 'breakpoints.py',
    breakpoints: [{ marker: 'loop_body', condition: 'k % 2 == 1', hitCondition: '% 2' }],
    async script(s) {
      await s.stopped();
      await s.vars('k', 'total');
      await s.step('continue');
      await s.stopped();
      await s.vars('k');
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint breakpoints.py:@loop_body tally',
      '  k = 3',
      '  total = 3',
      'stopped breakpoint breakpoints.py:@loop_body tally',
      '  k = 7',
      'exited 0',
    ],
  },
  {
    name: 'logpoints print and do not stop',
    fixture: 'breakpoints.py',
    breakpoints: [{ marker: 'loop_body', logMessage: 'k={k} total={total}' }, 'after_tally'],
    async script(s) {
      await s.stopped();
      const logs = s.output.split('\n').filter((l) => l.startsWith('k='));
      s.log.push(`  ${logs.length} log lines, first "${logs[0]}", last "${logs[logs.length - 1]}"`);
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint breakpoints.py:@after_tally main',
      '  10 log lines, first "k=0 total=0", last "k=9 total=36"',
      'exited 0',
    ],
  },
  {
    name: 'evaluate, await on the paused loop, and setVariable',
    fixture: 'breakpoints.py',
    breakpoints: ['after_tally'],
    async script(s) {
      await s.stopped();
      await s.evaluate('total * 2');
      await s.evaluate('await asyncio.sleep(0.01, result=total + 1)');
      await s.evaluate('undefined_name');
      const scopes = await s.dc.scopesRequest({ frameId: s.frameId });
      const set = await s.dc.setVariableRequest({ variablesReference: scopes.body.scopes[0].variablesReference, name: 'total', value: '1000' });
      s.log.push(`  set total -> ${set.body.value}`);
      await s.step('next');
      await s.stopped();
      await s.vars('label');
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint breakpoints.py:@after_tally main',
      '  total * 2 -> 90',
      '  await asyncio.sleep(0.01, result=total + 1) -> 46',
      "  undefined_name !! NameError: name 'undefined_name' is not defined",
      '  set total -> 1000',
      'stopped step breakpoints.py:28 main',
      "  label = 'total=1000'",
      'exited 0',
    ],
  },
];
