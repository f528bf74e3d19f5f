# Public CMake functions of the Burrow package (installed with it).
# burrow_add_contracts() is defined here once the services library provides its generator.
