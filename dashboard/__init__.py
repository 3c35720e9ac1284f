"""Staff figures in the admin: the shop at a glance (docs/STAFF.md). Reads orders and the
catalog; nothing below imports it."""
