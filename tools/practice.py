"""The practice copies of the lessons, as the book has in its `clean/` folder: each lesson's headings, its code and its questions,
without the prose or the outputs, for a learner to run or re-type cell by cell, explaining each one before looking at the lesson.
They are made from the lessons (the notebooks of `nbs/`, not those of `nbs/library/`) into `practice/`, with the same names and
cell ids, written as nbdev-clean writes notebooks. `python tools/practice.py` (`make practice`) writes them again and prints their
paths; tests/test_practice.py checks that they are in sync with the lessons."""
import re
from pathlib import Path
import nbformat
from fastcore.nbio import mk_cell
from nbdev.doclinks import nbglob
from course_lib.files import write_atomic
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PRACTICE = 'practice'  # the folder of the practice copies, in the course beside `nbs/`
BADGE = 'colab-badge.svg'  # the image of the lesson's "Open in Colab" badge, in the one markdown cell kept whole
HEADING = re.compile(r'(#{1,6})(?:\s|$)')  # a markdown heading line, and its level
QUESTIONS = re.compile(r'##\s+Questions\s*')  # the heading of the section kept whole
RELATIVE_LINK = re.compile(r'(\]\()(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)')  # a markdown link to a file beside the lesson

def lessons(course:Path, # the course: the folder that holds nbs/
           )->list:
    "The lesson notebooks of `course`, which have practice copies: the notebooks nbdev finds in `nbs/` itself, not those in `nbs/library/`"
    return sorted(nb for nb in nbglob(course/'nbs', as_path=True) if nb.parent == course/'nbs')

def without_directives(code:str, # a code cell's source
                      )->str:
    "The source of a code cell without its nbdev directive lines (`#| export`), removed as nbdev removes them"
    cell = mk_cell(code)
    cell.remove_directives()
    return cell.source

def practice_markdown(text:str, # a markdown cell's source
                      questions:bool, # does the cell start inside the questions section?
                     )->tuple:
    "The lines of a markdown cell a practice copy keeps (its headings, and all of the questions section), and whether the cell ends inside the questions"
    kept, fenced = [], False
    for l in text.split('\n'):
        if l.startswith(('```', '~~~')): fenced = not fenced
        heading = None if fenced else HEADING.match(l)
        if heading and len(heading[1]) <= 2: questions = bool(QUESTIONS.fullmatch(l))
        if heading or questions: kept.append(l)
    return '\n'.join(kept).strip('\n'), questions

def relink(text:str, # markdown from a lesson
          )->str:
    "Markdown whose links to files beside the lesson (`05_sgd.ipynb`, `library/03_photos.ipynb`) lead there from `practice/`"
    return RELATIVE_LINK.sub(r'\1../nbs/', text)

def practice_note(name:str, # the lesson's file name, such as 01_is_it_a_bird.ipynb
                 ):
    "The markdown cell under the title that says what a practice copy is for"
    return new_markdown_cell(
        f"This is the practice copy of [notebook {int(name.split('_')[0])}](../nbs/{name}): its headings, code and questions, "
        "without the prose and the outputs. Before you look at the lesson, run or re-type each cell and explain to yourself what "
        "it does and what it will show; then answer the questions at the end, and check your answers against the lesson. "
        "Work in a copy of your own (*File › Save Notebook As…* in JupyterLab, *File › Save a copy in Drive* in Colab): this one "
        "is written anew from the lesson whenever the lesson changes.",
        id='practice-note')

def practice_copy(nb, # the lesson, as `nbformat.read` returns it
                  name:str, # the lesson's file name, such as 01_is_it_a_bird.ipynb
                 ):
    "The practice copy of the lesson `nb`: its headings, its Colab badge, its code without outputs, and its questions whole"
    cells, questions = [], False
    for c in nb.cells:
        if c.cell_type == 'code':
            if (code := without_directives(c.source)).strip(): cells.append(new_code_cell(code, id=c.id))
        elif c.cell_type == 'markdown':
            if BADGE in c.source: text = c.source.replace(f'nbs/{name}', f'{PRACTICE}/{name}')
            else: text, questions = practice_markdown(c.source, questions)
            if text: cells.append(new_markdown_cell(relink(text), id=c.id))
    cells.insert(1, practice_note(name))  # every lesson starts with its title
    return new_notebook(cells=cells, metadata={k: v for k, v in nb.metadata.items() if k == 'kernelspec'})

def practice_text(lesson:Path, # a lesson's notebook file
                 )->str:
    "The practice copy of the notebook file `lesson`, as nbdev-clean writes a notebook"
    return nbformat.writes(practice_copy(nbformat.read(lesson, as_version=4), lesson.name)) + '\n'

def stale_copies(course:Path, # the course: the folder that holds nbs/ and practice/
                )->list:
    "The practice copies in `course` whose lesson no longer exists"
    names = {l.name for l in lessons(course)}
    return [p for p in sorted((course/PRACTICE).glob('*.ipynb')) if p.name not in names]

def write_practice(course:Path=Path(__file__).resolve().parent.parent, # the course: its lessons are in nbs/
                  )->list:
    "Write the practice copy of every lesson of `course` into its `practice/` folder, remove those of lessons gone; the copies written"
    folder = course/PRACTICE
    folder.mkdir(exist_ok=True)
    for p in stale_copies(course): p.unlink()
    copies = {l: folder/l.name for l in lessons(course)}
    for l, p in copies.items(): write_atomic(p, practice_text(l).encode('utf-8'))
    return list(copies.values())

if __name__ == '__main__': print(*write_practice(), sep='\n')
