"""Provisioning of the pipeline's AWS resources, and the IAM policy documents its roles need."""
