"""seqattr: attribution maps, gradient correction and their trustworthiness for genomics CNNs."""
