# SPDX-License-Identifier: GPL-3.0-or-later
"""The translations, checked (TAP): every language in po/LINGUAS compiles with
msgfmt --check, has no fuzzy entries and translates every string the sources
mark today (xgettext over po/POTFILES.in, compared with msgcmp); every source
file that marks strings is in POTFILES.in; and a translated label keeps the
mnemonic letter of the original, because the Keyboard Shortcuts window
(help-overlay.ui) names the Alt keys and is not translated per language.
Menu items, dialog buttons and the lesson bar are exempt: their mnemonics are
not listed there. The shipped lessons are key files, translated in place:
each has title[LANG] and text[LANG] for every language.

Usage: test-po.py SOURCE_ROOT"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

root = sys.argv[1]
po_dir = os.path.join(root, 'po')
results = []


def check(ok, name, detail=''):
    results.append((ok, name, detail))


def parse_po(path):
    """(msgid, msgstr or list of plural msgstrs, flags) of each entry but the header."""
    entries, cur, key = [], None, None

    def flush():
        if cur is not None and cur.get('msgid'):
            entries.append(cur)

    import ast
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line.strip():
            flush()
            cur = None
            continue
        if cur is None:
            cur = {'flags': '', 'msgid': None}
        if line.startswith('#,'):
            cur['flags'] += line
        elif line.startswith('#'):
            continue
        elif line.startswith('"'):
            cur[key] += ast.literal_eval(line)
        else:
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if not m:
                raise ValueError(f'{path}: cannot read {line!r}')
            key = m.group(1)
            cur[key] = ast.literal_eval(m.group(2))
    flush()
    return entries


languages = [l.strip() for l in open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8')
             if l.strip() and not l.startswith('#')]
check(len(languages) > 0, 'po/LINGUAS names at least one language', ' '.join(languages))

potfiles = [l.strip() for l in open(os.path.join(po_dir, 'POTFILES.in'), encoding='utf-8')
            if l.strip() and not l.startswith('#')]
missing = [f for f in potfiles if not os.path.exists(os.path.join(root, f))]
check(not missing, 'every file in POTFILES.in exists', ' '.join(missing))

marked = []
for d in ('app', 'core', 'ui'):
    for f in sorted(os.listdir(os.path.join(root, d))):
        if f.endswith('.c'):
            text = open(os.path.join(root, d, f), encoding='utf-8').read()
            if re.search(r'\b(?:N?_|ngettext)\s*\(\s*"', text):
                marked.append(f'{d}/{f}')
unlisted = [f for f in marked if f not in potfiles]
check(not unlisted, 'every C file that marks strings is in POTFILES.in', ' '.join(unlisted))

# What the sources mark today, extracted as the build's glassbox-pot does.
with tempfile.TemporaryDirectory() as tmp:
    listing = os.path.join(tmp, 'POTFILES')
    with open(listing, 'w', encoding='utf-8') as f:
        f.write('\n'.join(potfiles) + '\n')
    pot = os.path.join(tmp, 'glassbox.pot')
    r = subprocess.run(['xgettext', '--from-code=UTF-8', '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
                        '--keyword=NC_:1c,2', '--keyword=ngettext:1,2', '-D', root, '-f', listing, '-o', pot],
                       capture_output=True, text=True)
    check(r.returncode == 0, 'xgettext extracts the marked strings', r.stderr.strip())

    # Menu labels in the window's template, dialog buttons, the lesson bar's
    # button and a subscript that is no mnemonic: exempt from the mnemonic rule.
    menu_labels = {'_Cancel', '_Discard and Train', '_Discard and Open', 'Close _Without Saving', '_End Lesson',
                   '_Copy the Numbers', 'Export the _Numbers…', '_Export the View…',
                   'Target lag: mean |Q − Q_target|'}
    for el in ET.parse(os.path.join(root, 'resources', 'ui', 'gb-window.ui')).iter('attribute'):
        if el.get('name') == 'label' and el.text:
            menu_labels.add(el.text)

    for lang in languages:
        po = os.path.join(po_dir, lang + '.po')
        r = subprocess.run(['msgfmt', '--check', '-o', os.devnull, po], capture_output=True, text=True)
        check(r.returncode == 0, f'{lang}.po compiles (msgfmt --check)', r.stderr.strip())
        r = subprocess.run(['msgcmp', po, pot], capture_output=True, text=True)
        check(r.returncode == 0, f'{lang}.po translates every marked string', r.stderr.strip()[-2000:])
        entries = parse_po(po)
        fuzzy = [e['msgid'] for e in entries if 'fuzzy' in e['flags']]
        check(not fuzzy, f'{lang}.po has no fuzzy entries', repr(fuzzy[:5]))
        bad = []
        for e in entries:
            src, tr = e['msgid'], e.get('msgstr', '')
            if 'c-format' in e['flags'] or src in menu_labels or not tr:
                continue
            m = re.search(r'_(\w)', src)
            if m is None or not re.fullmatch(r'[^_]*_\w[^_]*', src):
                continue
            k = re.findall(r'_(\w)', tr)
            if len(k) != 1 or k[0].lower() != m.group(1).lower():
                bad.append(f'{src!r} → {tr!r}')
        check(not bad, f'{lang}.po keeps each label\'s mnemonic letter', '; '.join(bad))

# The shipped lessons (resources/lessons/*.lesson) carry their own translations.
lessons_dir = os.path.join(root, 'resources', 'lessons')
lessons = sorted(f for f in os.listdir(lessons_dir) if f.endswith('.lesson'))
for lang in languages:
    untranslated = []
    for f in lessons:
        keys = {l.split('=', 1)[0].strip() for l in open(os.path.join(lessons_dir, f), encoding='utf-8') if '=' in l}
        untranslated += [f'{f}: {k}[{lang}]' for k in ('title', 'text') if f'{k}[{lang}]' not in keys]
    check(lessons and not untranslated, f'every shipped lesson has its title and text in {lang}', '; '.join(untranslated))

print(f'1..{len(results)}')
for i, (ok, name, detail) in enumerate(results, 1):
    print(f'{"ok" if ok else "not ok"} {i} - {name}')
    if detail and not ok:
        for line in detail.splitlines():
            print(f'# {line}')
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
