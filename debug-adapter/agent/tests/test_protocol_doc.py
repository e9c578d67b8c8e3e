"""Fails when docs/inspector-protocol.md and protocol.py drift apart: every envelope, method,
event and shape, with its fields, must be in both and agree. Methods and events that other modules
declare (the debugger's) must be named in some table of docs/*.md."""
import glob
import json
import os
import re
import subprocess
import sys
import unittest

from taskscope_agent import protocol

from .agent_harness import AGENT_DIR, env_with_agent

DOCS = os.path.join(AGENT_DIR, '..', '..', 'docs')
DOC = os.path.join(DOCS, 'inspector-protocol.md')


def tables(text):
    """{first header cell: {row key: [other cells]}} for every markdown table."""
    out = {}
    current = None
    for line in text.splitlines():
        if not line.startswith('|'):
            current = None
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        # A '|' inside a cell (a union type) was split: rejoin cells after the key by ' | ' rules below.
        if current is None:
            current = out.setdefault(cells[0], {})
            continue
        if set(cells[0]) <= set('- '):
            continue
        current[cells[0].strip('`')] = cells[1:]
    return out


def spec_of(cells):
    """Rejoins cells split on the '|' of union types, then normalises '(none)' to ''."""
    text = '|'.join(cells)
    return '' if text.strip() == '(none)' else text


def norm(spec):
    return [(n, o, tuple(t)) for n, o, t in protocol.parse_spec(spec)]


class DocDriftTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOC, encoding='utf-8') as f:
            cls.tables = tables(f.read())

    def compare(self, header, declared, split=None):
        rows = self.tables[header]
        self.assertEqual(sorted(rows), sorted(declared), 'names in the %r table vs protocol.py' % header)
        for name, cells in rows.items():
            if split is None:
                self.assertEqual(norm(spec_of(cells)), norm(declared[name]), name)
            else:
                # params | result: the params cell has no union types; the rest is the result.
                self.assertEqual(norm(spec_of(cells[:1])), norm(declared[name][0]), name + ' params')
                self.assertEqual(norm(spec_of(cells[1:])), norm(declared[name][1]), name + ' result')

    def test_messages(self):
        self.compare('message', protocol.MESSAGES)

    def test_methods(self):
        self.compare('method', {m: protocol.METHODS[m] for m in protocol.CORE_METHODS}, split=True)

    def test_events(self):
        self.compare('event', {e: protocol.EVENTS[e] for e in protocol.CORE_EVENTS})

    def test_shapes(self):
        self.compare('shape', protocol.SHAPES)

    def test_every_core_method_has_a_handler(self):
        from taskscope_agent import handlers  # noqa: F401
        from taskscope_agent import dispatch
        self.assertEqual(sorted(protocol.CORE_METHODS - set(dispatch.methods())), [])

    def test_extension_methods_are_documented(self):
        # Import every module of the package in a fresh interpreter, then list what they declared.
        code = ('import json, pkgutil, importlib, taskscope_agent as p\n'
                'from taskscope_agent import protocol\n'
                'for m in pkgutil.iter_modules(p.__path__):\n'
                '    if m.name not in ("__main__", "client"): importlib.import_module("taskscope_agent." + m.name)\n'
                'print(json.dumps([sorted(set(protocol.METHODS) - protocol.CORE_METHODS),'
                ' sorted(set(protocol.EVENTS) - protocol.CORE_EVENTS)]))')
        out = subprocess.run([sys.executable, '-c', code], env=env_with_agent(), capture_output=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        methods, events = json.loads(out.stdout.decode().strip().splitlines()[-1])
        text = ''
        for path in glob.glob(os.path.join(DOCS, '*.md')):
            with open(path, encoding='utf-8') as f:
                text += f.read()
        missing = [n for n in methods + events if not re.search(r'`%s`' % re.escape(n), text)]
        self.assertEqual(missing, [], 'declared by a module but named in no docs/*.md')


if __name__ == '__main__':
    unittest.main()
