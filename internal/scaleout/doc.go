// Package scaleout holds the failover tests: both stores and hashcodec
// under load while a local Redis Cluster or Sentinel set-up fails over.
// It has no code of its own; the behavioural suites of each package run on
// the cluster through redistest.Each.
package scaleout
