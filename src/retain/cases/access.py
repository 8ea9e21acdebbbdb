"""The doors to the cases app's records: the policy table applied to each record's dealer and the
person it belongs to. Outside the scope a record answers 404 (revealing nothing); seen but not
allowed, 403. One section per kind of record."""
