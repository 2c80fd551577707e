"""Source recipes: declarative YAML files that map a store's own feed onto the landing contract."""
