"""Renders TaskInfo dicts as an indented ownership tree (text), for the command line.

Pure formatting: used by `python -m taskscope_agent.client` and `--tree-on-exit`.
"""


def _where(loc):
    return '%s:%d' % (loc['path'], loc['line']) if loc else ''


def render(infos, lost=()):
    by_id = {t['id']: t for t in infos}
    kids = {}
    roots = []
    for t in sorted(infos, key=lambda t: int(t['id'])):
        if t['owner'] in by_id:
            kids.setdefault(t['owner'], []).append(t)
        else:
            roots.append(t)
    lines = []

    def walk(t, prefix, last, top):
        head = '' if top else ('└─ ' if last else '├─ ')
        bits = ['#%s %s %s [%s]' % (t['id'], t['name'], t['coroutine'], t['state'])]
        if t.get('awaiting'):
            bits.append('awaiting %s' % t['awaiting'])
        if t.get('awaitedBy'):
            bits.append('awaited by %s' % ', '.join('#' + a for a in t['awaitedBy']))
        if t.get('location'):
            bits.append('at %s' % _where(t['location']))
        if t.get('createdAt'):
            bits.append('created %s' % _where(t['createdAt']))
        if t['owner'] and t['owner'] not in by_id:
            bits.append('owner #%s (gone)' % t['owner'])
        lines.append(prefix + head + ' · '.join(bits))
        ch = kids.get(t['id'], [])
        for i, c in enumerate(ch):
            walk(c, prefix + ('' if top else ('   ' if last else '│  ')), i == len(ch) - 1, False)

    for r in roots:
        walk(r, '', True, True)
    for e in lost:
        lines.append('! %s: %s%s' % (e['kind'], e['message'],
                                     ' (created %s)' % _where(e['createdAt']) if e.get('createdAt') else ''))
    return '\n'.join(lines)
