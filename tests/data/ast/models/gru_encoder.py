"""A GRU seq2seq encoder (time-major), returning outputs and the summed final hidden state."""
import torch
import torch.nn as nn


class EncoderRNN(nn.Module):
    def __init__(self, input_size=40, hidden_size=16, n_layers=2, dropout=0.0):
        super(EncoderRNN, self).__init__()
        self.n_layers = n_layers
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, n_layers, dropout=dropout, bidirectional=True)

    def forward(self, input_seqs, hidden=None):
        embedded = self.embedding(input_seqs)
        outputs, hidden = self.gru(embedded, hidden)
        outputs = outputs[:, :, : self.hidden_size] + outputs[:, :, self.hidden_size:]
        return outputs, torch.sum(hidden, dim=0)
