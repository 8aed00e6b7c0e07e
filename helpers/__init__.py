"""helpers: the small numpy package the course builds, one idea per module.

Import the module you need and call through it, so the reader always sees
where a name comes from::

    from helpers import rnn, lstm, gradcheck
    h, cache = rnn.forward(x, h0, Wx, Wh, b)

Layers and training:  layers, rnn, lstm, gru, deep (stacked, bidirectional), gradcheck, optim, lm
Data and text:        data, text, corpus, ngram, stdlib_text (real text: the stdlib docstrings)
Notebook topics:      ffn and ffn_views (01), stepper (03), bptt (04), gradients (05),
                      lstm_lab (06), autocomplete (07)
Pictures and widgets: notation, plots, diagrams, widgets, and the experiments'
                      drawings gradient_views (05), autocomplete_views (07)
Exercise checks:      exercises.nb00 ... exercises.nb07; progress (which are passed)

Importing helpers prints nothing, seeds nothing and styles nothing.
"""
