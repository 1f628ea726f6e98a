"""The public site: the pages under ``/performance``, built on GOV.UK Frontend."""
