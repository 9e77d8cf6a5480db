"Edge cases of the pixel-similarity baseline (nbs/04_pixel_similarity.ipynb) that would clutter the lesson."
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from course_lib.pixel_similarity import load_digit_images, mnist_distance, is_3, baseline_accuracy


def save_png(path, pixels):
    "Write a greyscale PNG with the given uint8 `pixels`."
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path)


@pytest.fixture
def ideals():
    "A made-up ideal 3 (ink on the left half) and ideal 7 (ink on the right half)."
    mean3, mean7 = torch.zeros(6, 6), torch.zeros(6, 6)
    mean3[:, :3], mean7[:, 3:] = 1., 1.
    return mean3, mean7


# load_digit_images

def test_load_stacks_in_file_name_order_and_scales_to_unit_range(tmp_path):
    values = {'b.png': 255, 'a.png': 0, 'c.png': 51}
    for name, v in values.items(): save_png(tmp_path/name, np.full((4, 5), v))
    stack = load_digit_images(tmp_path)
    assert stack.shape == (3, 4, 5)
    assert stack.dtype == torch.float32
    for img, name in zip(stack, sorted(values)): assert torch.allclose(img, torch.full((4, 5), values[name]/255))


def test_load_a_folder_of_one_image(tmp_path):
    save_png(tmp_path/'only.png', np.arange(16).reshape(4, 4))
    stack = load_digit_images(tmp_path)
    assert stack.shape == (1, 4, 4)
    assert torch.allclose(stack[0], torch.arange(16.).view(4, 4)/255)


def test_load_ignores_files_that_are_not_png(tmp_path):
    save_png(tmp_path/'1.png', np.zeros((3, 3)))
    (tmp_path/'labels.csv').write_text('name,label\n')
    assert load_digit_images(tmp_path).shape == (1, 3, 3)


def test_load_an_empty_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)): load_digit_images(tmp_path)


def test_load_images_of_different_sizes_reports_both_sizes(tmp_path):
    save_png(tmp_path/'a.png', np.zeros((4, 4)))
    save_png(tmp_path/'b.png', np.zeros((5, 5)))
    with pytest.raises(RuntimeError, match=r'\[4, 4\].*\[5, 5\]'): load_digit_images(tmp_path)


# mnist_distance

def test_distance_of_one_image_is_mean_absolute_difference():
    a, b = torch.rand(6, 6), torch.rand(6, 6)
    assert torch.allclose(mnist_distance(a, b), F.l1_loss(a, b))
    assert torch.allclose(mnist_distance(a, b), mnist_distance(b, a))
    assert mnist_distance(a, a) == 0


def test_distance_broadcasts_a_stack_against_one_image():
    stack, ideal = torch.rand(5, 6, 6), torch.rand(6, 6)
    dists = mnist_distance(stack, ideal)
    assert dists.shape == (5,)
    for img, d in zip(stack, dists): assert torch.allclose(d, mnist_distance(img, ideal))


def test_distance_of_a_batch_of_one_and_an_empty_batch():
    ideal = torch.rand(6, 6)
    assert mnist_distance(torch.rand(1, 6, 6), ideal).shape == (1,)
    assert mnist_distance(torch.rand(0, 6, 6), ideal).shape == (0,)


@pytest.mark.parametrize('other', [torch.rand(5, 5), torch.rand(1, 6), torch.rand(6, 1), torch.rand(6)])
def test_distance_refuses_images_of_another_size_naming_both_shapes(other):
    # (1, 6) and (6, 1) would broadcast silently into a wrong but plausible distance
    stack = torch.rand(3, 6, 6)
    with pytest.raises(ValueError, match=r'same \(rows, columns\) size.*\(3, 6, 6\)') as e: mnist_distance(stack, other)
    assert str(tuple(other.shape)) in str(e.value)


# is_3

def test_is_3_on_the_ideals_themselves(ideals):
    mean3, mean7 = ideals
    assert is_3(mean3, mean3, mean7)
    assert not is_3(mean7, mean3, mean7)


def test_is_3_calls_a_tie_a_7(ideals):
    mean3, mean7 = ideals
    halfway = (mean3 + mean7)/2
    assert mnist_distance(halfway, mean3) == mnist_distance(halfway, mean7)
    assert not is_3(halfway, mean3, mean7)


def test_is_3_answers_once_per_image_of_a_stack(ideals):
    mean3, mean7 = ideals
    answers = is_3(torch.stack([mean3, mean7, mean3]), mean3, mean7)
    assert answers.dtype == torch.bool
    assert answers.tolist() == [True, False, True]


# baseline_accuracy

def test_accuracy_is_perfect_when_digits_match_their_ideal_and_zero_when_swapped(ideals):
    mean3, mean7 = ideals
    threes, sevens = mean3.expand(4, 6, 6), mean7.expand(3, 6, 6)
    assert baseline_accuracy(threes, sevens, mean3, mean7) == (1.0, 1.0)
    assert baseline_accuracy(threes, sevens, mean7, mean3) == (0.0, 0.0)


def test_accuracy_counts_each_class_separately(ideals):
    mean3, mean7 = ideals
    threes = torch.stack([mean3, mean3, mean3, mean7])  # one 3 that looks like a 7
    sevens = torch.stack([mean7, mean7])
    acc_3s, acc_7s = baseline_accuracy(threes, sevens, mean3, mean7)
    assert acc_3s == pytest.approx(is_3(threes, mean3, mean7).float().mean().item())
    assert acc_3s < 1.0 and acc_7s == 1.0


def test_accuracy_with_a_validation_set_of_one_3_and_one_7(ideals):
    mean3, mean7 = ideals
    three, seven = torch.rand(1, 6, 6), torch.rand(1, 6, 6)
    acc_3s, acc_7s = baseline_accuracy(three, seven, mean3, mean7)
    assert acc_3s == float(is_3(three[0], mean3, mean7))
    assert acc_7s == float(not is_3(seven[0], mean3, mean7))


@pytest.mark.parametrize('n3,n7', [(4, 0), (0, 4), (0, 0)])
def test_accuracy_refuses_a_validation_set_missing_a_class(ideals, n3, n7):
    mean3, mean7 = ideals
    with pytest.raises(ValueError, match=f'at least one 3 and one 7, got {n3} 3s and {n7} 7s'):
        baseline_accuracy(torch.rand(n3, 6, 6), torch.rand(n7, 6, 6), mean3, mean7)


def test_accuracy_refuses_validation_images_of_another_size(ideals):
    mean3, mean7 = ideals
    with pytest.raises(ValueError, match='same \\(rows, columns\\) size'):
        baseline_accuracy(torch.rand(2, 5, 5), torch.rand(2, 6, 6), mean3, mean7)
