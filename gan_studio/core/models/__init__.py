"""The two players and what they are trained with: the tutorial MLP and the DCGAN (``networks``),
the adversarial losses and the gradient penalty (``losses``), and turning a generator into
pictures: fixed noise, eval-mode rendering, uint8 conversion (``sampling``)."""
