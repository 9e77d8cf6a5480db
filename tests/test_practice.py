"The practice copies in practice/ are in sync with the lessons, and keep of a lesson its headings, code and questions only."
import nbformat, pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from lessons import COURSE
from tools import practice

BADGE = '[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/o/r/blob/main/{})'

def small_lesson(*sections:str)->nbformat.NotebookNode:
    "A small lesson: its title, its badge, a code cell with a directive and an output, a directive-only cell, then `sections` of markdown"
    return new_notebook(cells=[
        new_markdown_cell('# 9 · A lesson\n\n> What it teaches.', id='title'),
        new_markdown_cell(BADGE.format('nbs/09_lesson.ipynb'), id='badge'),
        new_code_cell('#| export\nx = 1\nx', id='code', execution_count=3, outputs=[new_output('execute_result', {'text/plain': '1'}, execution_count=3)]),
        new_code_cell('#| default_exp lesson', id='directive'),
        *[new_markdown_cell(s, id=f'md{i}') for i, s in enumerate(sections)]])

def ids_and_sources(nb)->list: return [(c.id, c.source) for c in nb.cells]

@pytest.mark.parametrize('nb', practice.lessons(COURSE), ids=lambda p: p.name)
def test_the_practice_copy_is_in_sync_with_its_lesson(nb):
    copy = COURSE/practice.PRACTICE/nb.name
    assert copy.exists() and copy.read_text(encoding='utf-8') == practice.practice_text(nb), \
        f'{practice.PRACTICE}/{nb.name} is not the practice copy of nbs/{nb.name} as it is now: run `make practice`'

def test_no_practice_copy_without_its_lesson():
    found = sorted(p.name for p in (COURSE/practice.PRACTICE).iterdir() if not p.name.startswith('.'))
    assert found == [nb.name for nb in practice.lessons(COURSE)], 'practice/ holds one copy per lesson, nothing else: run `make practice`'

def test_headings_code_and_questions_stay_prose_and_outputs_go():
    copy = practice.practice_copy(small_lesson(
        'Prose only.',
        '## A section\n\nProse under it.\n\n### A subsection\n\n```\n# a comment in shown code, not a heading\n```',
        '## Questions',
        'Answer them.\n\n1. Why? See [notebook 2](02_production.ipynb).\n2. How?',
        '### Harder ones\n\n3. Why not?',
        '## Further reading\n\n- [Colab](https://colab.research.google.com/notebooks/intro.ipynb)'), '09_lesson.ipynb')
    assert ids_and_sources(copy) == [
        ('title', '# 9 · A lesson'),
        ('practice-note', practice.practice_note('09_lesson.ipynb').source),
        ('badge', BADGE.format('practice/09_lesson.ipynb')),
        ('code', 'x = 1\nx'),
        ('md1', '## A section\n### A subsection'),
        ('md2', '## Questions'),
        ('md3', 'Answer them.\n\n1. Why? See [notebook 2](../nbs/02_production.ipynb).\n2. How?'),
        ('md4', '### Harder ones\n\n3. Why not?'),
        ('md5', '## Further reading')]
    assert copy.cells[3].outputs == [] and copy.cells[3].execution_count is None
    assert '[notebook 9](../nbs/09_lesson.ipynb)' in copy.cells[1].source

def test_questions_that_share_a_cell_with_other_sections():
    copy = practice.practice_copy(small_lesson('## What you did\n\nA summary.\n\n## Questions\n\n1. Why?\n\n## Your turn\n\nTry it.'), '09_lesson.ipynb')
    assert ids_and_sources(copy)[-1] == ('md0', '## What you did\n## Questions\n\n1. Why?\n\n## Your turn')

def test_write_practice_writes_each_lesson_once_and_removes_stale_copies(tmp_path):
    (tmp_path/'nbs'/'library').mkdir(parents=True); (tmp_path/'practice').mkdir()
    for path in ('nbs/09_lesson.ipynb', 'nbs/library/00_tool.ipynb', 'practice/08_gone.ipynb'): nbformat.write(small_lesson('## Questions'), tmp_path/path)
    assert practice.write_practice(tmp_path) == [tmp_path/'practice'/'09_lesson.ipynb']
    assert sorted(p.name for p in (tmp_path/'practice').iterdir()) == ['09_lesson.ipynb']
    written = (tmp_path/'practice'/'09_lesson.ipynb').read_bytes()
    practice.write_practice(tmp_path)
    assert (tmp_path/'practice'/'09_lesson.ipynb').read_bytes() == written
