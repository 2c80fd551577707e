"""The installed source recipes, one YAML file each (packaged with glue_scripts, so Glue reads the same files)."""
