// This file is empty on purpose: a package with an assembly file may declare
// functions without a body, which mask_test.go does to reach the unexported
// masking functions of the libraries with //go:linkname.
