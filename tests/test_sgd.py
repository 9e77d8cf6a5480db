"Edge cases of the from-scratch SGD pieces (nbs/05_sgd.ipynb) that would clutter the lesson."
from functools import partial

import matplotlib.pyplot as plt
import pytest
import torch
from ipywidgets import interactive, FloatSlider
from torch import nn

from course_lib.sgd import (quadratic, mse, show_quadratic_fit, quadratic_loss, apply_step, descend, show_descent, flatten_and_label, init_params, check_batch, mnist_loss, batch_accuracy, calc_grad,
                            BasicOptim, train_epoch, validate_epoch, train_model, mnist_dls, simple_net)


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close('all')


def readings(n=20, noise=3.):
    "Noisy readings of 0.75 (t - 9.5)² + 1 at t = 0..n-1, as in the lesson, and the same times normalised"
    t = torch.arange(0, n).float()
    return t, torch.randn(n)*noise + 0.75*(t - 9.5)**2 + 1, (t - t.mean())/t.std()


def best_quadratic(t, y):
    "The least-squares coefficients (a, b, c): the fit gradient descent should reach"
    return torch.linalg.lstsq(torch.stack([t**2, t, torch.ones_like(t)], 1), y[:, None]).solution.squeeze(1)


def separable_dsets(n=40, n_in=8):
    "Training and validation pairs whose label is 1 exactly when the first input is positive."
    x = torch.randn(2*n, n_in)
    y = (x[:, :1] > 0).long()
    pairs = list(zip(x, y))
    return pairs[:n], pairs[n:]


# flatten_and_label

def test_flatten_and_label_rows_fold_back_into_images_and_3s_come_first():
    threes, sevens = torch.rand(3, 4, 5), torch.rand(2, 4, 5)
    x, y = flatten_and_label(threes, sevens)
    assert x.shape == (5, 20) and y.shape == (5, 1)
    assert torch.equal(x[0].view(4, 5), threes[0]) and torch.equal(x[-1].view(4, 5), sevens[-1])
    assert y.squeeze(1).tolist() == [1]*3 + [0]*2


@pytest.mark.parametrize('n3,n7', [(4, 0), (0, 4), (1, 1), (0, 0)])
def test_flatten_and_label_one_class_a_batch_of_one_or_nothing(n3, n7):
    x, y = flatten_and_label(torch.rand(n3, 4, 5), torch.rand(n7, 4, 5))
    assert x.shape == (n3 + n7, 20) and y.shape == (n3 + n7, 1)
    assert y.dtype == torch.long
    assert int(y.sum()) == n3


def test_flatten_and_label_refuses_images_of_different_sizes_naming_both_shapes():
    with pytest.raises(ValueError, match=r'same image size, got \(3, 4, 5\) and \(2, 5, 4\)'):
        flatten_and_label(torch.rand(3, 4, 5), torch.rand(2, 5, 4))


# init_params

def test_init_params_is_a_trainable_leaf_of_the_asked_shape():
    p = init_params((7, 1))
    assert p.shape == (7, 1) and p.requires_grad and p.is_leaf
    assert init_params(3).shape == (3,)


def test_init_params_scales_with_std():
    torch.manual_seed(1); wide = init_params(1000)
    torch.manual_seed(1); narrow = init_params(1000, std=0.1)
    assert torch.allclose(narrow, wide*0.1)


# check_batch, mnist_loss, batch_accuracy

@pytest.mark.parametrize('fn', [check_batch, mnist_loss, batch_accuracy])
def test_a_column_of_predictions_against_a_flat_vector_of_labels_is_refused(fn):
    # broadcasting (4, 1) against (4,) would otherwise give a (4, 4) grid and a wrong value
    with pytest.raises(ValueError, match=r'same shape.*preds \(4, 1\) and targets \(4,\)'):
        fn(torch.randn(4, 1), torch.ones(4, dtype=torch.long))


@pytest.mark.parametrize('fn', [check_batch, mnist_loss, batch_accuracy])
def test_an_empty_batch_is_refused(fn):
    with pytest.raises(ValueError, match='empty batch'): fn(torch.empty(0, 1), torch.empty(0, 1, dtype=torch.long))


def test_loss_of_a_batch_of_one_is_the_distance_to_its_label():
    pred = torch.tensor([[0.3]])
    assert torch.allclose(mnist_loss(pred, torch.tensor([[1]])), 1 - pred.sigmoid())
    assert torch.allclose(mnist_loss(pred, torch.tensor([[0]])), pred.sigmoid())


def test_loss_of_an_all_one_class_batch():
    preds = torch.randn(6, 1)
    assert torch.allclose(mnist_loss(preds, torch.ones(6, 1, dtype=torch.long)), (1 - preds.sigmoid()).mean())
    assert torch.allclose(mnist_loss(preds, torch.zeros(6, 1, dtype=torch.long)), preds.sigmoid().mean())


def test_loss_falls_as_predictions_move_towards_their_labels():
    targets = torch.tensor([[1], [0], [1]])
    preds = torch.randn(3, 1, requires_grad=True)
    loss = mnist_loss(preds, targets)
    assert 0 < loss < 1
    loss.backward()
    assert (preds.grad[targets == 1] < 0).all() and (preds.grad[targets == 0] > 0).all()


def test_accuracy_of_a_batch_of_one_and_its_threshold():
    three = torch.tensor([[1]])
    assert batch_accuracy(torch.tensor([[0.01]]), three) == 1
    assert batch_accuracy(torch.tensor([[-0.01]]), three) == 0
    assert batch_accuracy(torch.tensor([[0.]]), three) == 0  # sigmoid(0) = 0.5 is not above 0.5


def test_accuracy_of_an_all_one_class_batch_is_the_fraction_on_the_right_side():
    preds = torch.randn(10, 1)
    assert batch_accuracy(preds, torch.ones(10, 1, dtype=torch.long)) == pytest.approx((preds > 0).float().mean().item())
    assert batch_accuracy(preds, torch.zeros(10, 1, dtype=torch.long)) == pytest.approx((preds <= 0).float().mean().item())


# calc_grad and BasicOptim

def test_calc_grad_accumulates_until_cleared():
    model = nn.Linear(3, 1)
    xb, yb = torch.randn(5, 3), torch.randint(0, 2, (5, 1))
    calc_grad(xb, yb, model)
    once = model.weight.grad.clone()
    calc_grad(xb, yb, model)
    assert torch.allclose(model.weight.grad, 2*once)


def test_basic_optim_steps_against_the_gradient_and_clears_it():
    p = torch.randn(4, requires_grad=True)
    before = p.detach().clone()
    (p**2).sum().backward()
    opt = BasicOptim([p], lr=0.1)
    opt.step()
    assert torch.allclose(p.detach(), before - 0.1*2*before)
    opt.zero_grad()
    assert p.grad is None


def test_basic_optim_keeps_parameters_given_as_a_generator():
    # model.parameters() is a generator: stepping twice must still reach every parameter
    model = nn.Linear(3, 1)
    opt = BasicOptim(model.parameters(), lr=0.5)
    for _ in range(2):
        before = [p.detach().clone() for p in model.parameters()]
        calc_grad(torch.randn(4, 3), torch.ones(4, 1, dtype=torch.long), model)
        opt.step(); opt.zero_grad()
        assert all(not torch.equal(b, p) for b, p in zip(before, model.parameters()))


# mnist_dls, train_epoch, validate_epoch, train_model

def test_mnist_dls_shuffles_training_only_and_keeps_a_last_partial_batch():
    train, valid = list(zip(torch.arange(10), torch.arange(10))), list(zip(torch.arange(10), torch.arange(10)))
    dls = mnist_dls(train, valid, bs=4)
    assert [len(xb) for xb, _ in dls.valid] == [4, 4, 2]
    assert torch.cat([xb for xb, _ in dls.valid]).tolist() == list(range(10))
    assert sorted(torch.cat([xb for xb, _ in dls.train]).tolist()) == list(range(10))
    assert dls.train.shuffle and not dls.valid.shuffle


def test_train_epoch_with_batches_of_one_updates_and_clears_gradients():
    train, valid = separable_dsets(n=8)
    model = nn.Linear(8, 1)
    before = model.weight.detach().clone()
    train_epoch(model, mnist_dls(train, valid, bs=1).train, BasicOptim(model.parameters(), lr=0.1))
    assert not torch.equal(before, model.weight.detach())
    assert model.weight.grad is None


def test_train_epoch_over_no_batches_changes_nothing():
    model = nn.Linear(8, 1)
    before = model.weight.detach().clone()
    train_epoch(model, [], BasicOptim(model.parameters(), lr=0.1))
    assert torch.equal(before, model.weight.detach())


def test_validate_epoch_weights_each_batch_by_its_size():
    # 9 items the model gets right, then 1 it gets wrong: in batches of 3 the last batch holds only the wrong one,
    # so a plain mean of batch accuracies would say 0.75 where 9 out of 10 are right
    model = nn.Linear(1, 1)
    with torch.no_grad(): model.weight.fill_(1.); model.bias.zero_()
    x = torch.arange(1., 11.).unsqueeze(1)
    y = torch.tensor([1]*9 + [0]).unsqueeze(1)
    valid = list(zip(x, y))
    assert validate_epoch(model, mnist_dls(valid, valid, bs=3).valid) == pytest.approx(0.9)
    assert validate_epoch(model, mnist_dls(valid, valid, bs=1).valid) == pytest.approx(0.9)


def test_validate_epoch_on_an_all_one_class_validation_set():
    model = nn.Linear(2, 1)
    x = torch.randn(9, 2)
    all_threes = list(zip(x, torch.ones(9, 1, dtype=torch.long)))
    with torch.no_grad(): expected = (model(x) > 0).float().mean().item()
    assert validate_epoch(model, mnist_dls(all_threes, all_threes, bs=4).valid) == pytest.approx(expected)


def test_validate_epoch_refuses_an_empty_validation_set():
    with pytest.raises(ValueError, match='no validation batches'): validate_epoch(nn.Linear(2, 1), [])


def test_train_model_reports_one_accuracy_per_epoch_and_learns_a_separable_problem():
    train, valid = separable_dsets(n=200)
    dls = mnist_dls(train, valid, bs=16)
    model = nn.Linear(8, 1)
    start = validate_epoch(model, dls.valid)
    accuracies = train_model(model, dls, BasicOptim(model.parameters(), lr=1.), epochs=5)
    assert len(accuracies) == 5
    assert all(0 <= a <= 1 for a in accuracies)
    assert accuracies[-1] > max(start, 0.9)


# simple_net

@pytest.mark.parametrize('bs', [0, 1, 5])
def test_simple_net_gives_one_output_per_item(bs):
    assert simple_net()(torch.randn(bs, 28*28)).shape == (bs, 1)


def test_simple_net_is_not_a_linear_function():
    net = simple_net(n_in=4, n_hidden=3)
    # a linear layer (with bias) satisfies f(2x) - f(x) == f(x) - f(0); the ReLU breaks that for some inputs
    breaks = [not torch.allclose(net(2*x) - net(x), net(x) - net(0*x), atol=1e-5) for x in torch.randn(50, 4)]
    assert any(breaks)


def test_simple_net_refuses_inputs_of_the_wrong_width():
    with pytest.raises(RuntimeError, match='784'): simple_net()(torch.randn(2, 28))


# quadratic, mse, quadratic_loss

def test_quadratic_takes_three_numbers_or_a_tensor_of_three():
    t = torch.tensor([0., 1., 2.])
    assert quadratic(t, (1, 2, 3)).tolist() == [3., 6., 11.]
    assert torch.equal(quadratic(t, torch.tensor([1., 2., 3.])), quadratic(t, (1., 2., 3.)))


def test_quadratic_refuses_a_wrong_number_of_coefficients():
    with pytest.raises(ValueError): quadratic(torch.zeros(3), (1., 2.))


def test_mse_and_quadratic_loss():
    assert mse(torch.tensor([1., 3.]), torch.tensor([0., 0.])) == 5.
    t, y, _ = readings()
    params = torch.tensor([0.5, -2., 10.])
    assert torch.allclose(quadratic_loss(params, t, y), ((quadratic(t, params) - y)**2).mean())


# show_quadratic_fit: what the a, b, c sliders call

def test_show_quadratic_fit_returns_the_loss_it_writes_and_draws_the_readings_and_the_curve():
    t, y, _ = readings()
    _, ax = plt.subplots()
    loss = show_quadratic_fit(t, y, (0.5, -7., 30.), ax)
    assert loss == pytest.approx(quadratic_loss(torch.tensor([0.5, -7., 30.]), t, y).item())
    assert f'loss {loss:.1f}' in ax.get_title()
    assert torch.allclose(torch.tensor(ax.collections[0].get_offsets(), dtype=torch.float32), torch.stack([t, y], 1))
    (line,) = ax.lines
    xs, ys = torch.tensor(line.get_xdata(), dtype=torch.float32), torch.tensor(line.get_ydata(), dtype=torch.float32)
    assert xs[0] == t.min() and xs[-1] == t.max()
    assert torch.allclose(ys, quadratic(xs, (0.5, -7., 30.)))


def test_show_quadratic_fit_keeps_the_readings_in_view_when_the_curve_flies_off():
    t, y, _ = readings()
    _, ax = plt.subplots()
    show_quadratic_fit(t, y, (100., 0., 0.), ax)
    low, high = ax.get_ylim()
    assert low < y.min() and y.max() < high < 10*y.max()


def test_show_quadratic_fit_the_best_curve_has_the_lowest_loss():
    t, y, _ = readings()
    best = best_quadratic(t, y)
    best_loss = show_quadratic_fit(t, y, best, plt.subplots()[1])
    for nudge in ([0.01, 0, 0], [0, -0.2, 0], [0, 0, 1.]):
        assert show_quadratic_fit(t, y, best + torch.tensor(nudge), plt.subplots()[1]) > best_loss


def test_show_quadratic_fit_accepts_parameters_being_trained_and_leaves_them_alone():
    t, y, _ = readings()
    params = torch.tensor([0.5, -7., 30.]).requires_grad_()
    show_quadratic_fit(t, y, params, plt.subplots()[1])
    assert params.grad is None and params.requires_grad
    assert params.tolist() == [0.5, -7., 30.]


def test_moving_the_a_slider_redraws_the_curve_and_its_loss():
    # the lesson's sliders: interact with a, b and c calling show_quadratic_fit; here without a browser
    t, y, _ = readings()
    w = interactive(lambda a, b, c: show_quadratic_fit(t, y, (a, b, c)),
                    a=FloatSlider(value=0, min=-0.5, max=1.5, step=0.01), b=FloatSlider(value=0, min=-25, max=5, step=0.25),
                    c=FloatSlider(value=40, min=-20, max=120, step=1))
    a = next(s for s in w.children if getattr(s, 'description', None) == 'a')
    first = w.result
    a.value = 0.77
    assert w.result == pytest.approx(quadratic_loss(torch.tensor([0.77, 0., 40.]), t, y).item())
    assert w.result != first
    assert float(plt.gca().lines[-1].get_ydata()[-1]) == pytest.approx(quadratic(t.max(), (0.77, 0., 40.)).item())


# apply_step and descend

def test_apply_step_moves_against_the_gradient_returns_the_loss_before_and_clears():
    p = torch.tensor([1., -2.]).requires_grad_()
    loss_fn = lambda p: (p**2).sum()
    assert apply_step(p, loss_fn, lr=0.1) == pytest.approx(5.)
    assert torch.allclose(p.detach(), torch.tensor([0.8, -1.6]))
    assert p.grad is None


def test_descend_returns_every_point_visited_with_its_loss_and_leaves_start_alone():
    t, y, _ = readings()
    start = torch.tensor([0.1, 0.2, 0.3])
    loss_fn = partial(quadratic_loss, t=t, y=y)
    path, losses = descend(start, loss_fn, lr=1e-5, steps=4)
    assert len(path) == len(losses) == 5
    assert torch.equal(start, torch.tensor([0.1, 0.2, 0.3])) and torch.equal(path[0], start)
    for p, l in zip(path, losses): assert loss_fn(p).item() == pytest.approx(l)
    assert not any(p.requires_grad for p in path)


def test_descend_zero_steps_is_the_start():
    path, losses = descend([2.], lambda p: (p**2).sum(), lr=0.1, steps=0)
    assert [p.tolist() for p in path] == [[2.]] and losses == [4.]


def test_descend_on_normalised_time_reaches_least_squares_and_on_raw_time_does_not():
    # the lesson's point: the same method stalls on raw seconds and converges once time is normalised
    t, y, t_norm = readings()
    start = torch.randn(3)
    best_norm = quadratic_loss(best_quadratic(t_norm, y), t_norm, y).item()
    assert quadratic_loss(best_quadratic(t, y), t, y).item() == pytest.approx(best_norm, rel=1e-3)
    _, norm_losses = descend(start, partial(quadratic_loss, t=t_norm, y=y), lr=0.2, steps=100)
    _, raw_losses = descend(start, partial(quadratic_loss, t=t, y=y), lr=1e-5, steps=100)
    assert norm_losses[-1] == pytest.approx(best_norm, rel=0.01)
    assert raw_losses[-1] > 10*best_norm


# show_descent: what the lr slider calls

@pytest.mark.parametrize('lr', [0.001, 0.2, 0.5])
def test_show_descent_plots_the_losses_it_returns_and_the_last_curve(lr):
    _, y, t = readings()
    start = torch.tensor([1., 1., 1.])
    losses = show_descent(t, y, start, lr, steps=6)
    path, expected = descend(start, partial(quadratic_loss, t=t, y=y), lr, 6)
    assert losses == pytest.approx(expected)
    ax_loss, ax_fit = plt.gcf().axes
    assert list(ax_loss.lines[0].get_ydata()) == pytest.approx(losses)
    assert ax_loss.get_yscale() == 'log' and f'lr={lr:.3g}' == ax_loss.get_title()
    xs = torch.tensor(ax_fit.lines[0].get_xdata(), dtype=torch.float32)
    assert torch.allclose(torch.tensor(ax_fit.lines[0].get_ydata(), dtype=torch.float32), quadratic(xs, path[-1]), rtol=1e-4)


def test_show_descent_too_small_is_slow_about_right_converges_too_large_diverges():
    _, y, t = readings()
    start = torch.tensor([1., 1., 1.])
    best = quadratic_loss(best_quadratic(t, y), t, y).item()
    slow, good, wild = (show_descent(t, y, start, lr, steps=10) for lr in (0.001, 0.2, 0.5))
    assert all(b < a for a, b in zip(slow, slow[1:])) and slow[-1] > 10*best
    assert good[-1] < 2*best
    assert wild[-1] > wild[0]
