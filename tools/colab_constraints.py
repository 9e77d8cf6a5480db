"""Turn a Colab runtime's published package list (`pip-freeze.txt` of github.com/googlecolab/backend-info) into
`tools/colab-constraints.txt`: one `name==version` per package, which the setup cell and the Colab rehearsal give pip with `-c`,
so that nothing of Colab's is upgraded or downgraded. A package installed from a URL becomes a pin when its wheel's name says
its version (`torch @ .../torch-2.11.0%2Bcpu-...whl` is `torch==2.11.0`); the others (from git or a local file) are left out.

    python tools/colab_constraints.py pip-freeze.txt 'googlecolab/backend-info a724079, 2026-08-19 (Python 3.13)'"""
import re, sys
from pathlib import Path
from urllib.parse import unquote

CONSTRAINTS = Path(__file__).resolve().parent/'colab-constraints.txt'

def pin(line:str)->str|None:
    "`name==version` for one line of `pip freeze`, or None when the line gives no version"
    line = line.split('#', 1)[0].strip()
    if '==' in line: return line
    if ' @ ' in line and (m := re.search(r'/[A-Za-z0-9_.]+-(\d[^-/]*?)(?:\+[^-/]*)?-[^/]*\.whl$', unquote(line.split(' @ ', 1)[1]))):
        return f'{line.split(" @ ")[0]}=={m.group(1)}'

def constraints(freeze:str, source:str)->str:
    "The constraints file for the `pip freeze` text `freeze`, with a header naming `source`"
    pins = [p for l in freeze.splitlines() if (p := pin(l))]
    left_out = [l.split(' @ ')[0] for l in freeze.splitlines() if l.strip() and not l.startswith('#') and not pin(l)]
    return (f'# Colab\'s own packages, from its published list: {source}.\n# Made by tools/colab_constraints.py; left out, '
            f'having no version in the list: {", ".join(left_out) or "nothing"}.\n' + '\n'.join(pins) + '\n')

if __name__ == '__main__': CONSTRAINTS.write_text(constraints(Path(sys.argv[1]).read_text(), sys.argv[2]))
