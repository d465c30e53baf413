// Order statistics the models share.
#pragma once

namespace colossim {

// E[max of n independent standard normals] (0 for n <= 1): how far the slowest of n members
// sits above the mean, in standard deviations (1.42 for 8, 2.34 for 64, 3.45 for 2,048).
[[nodiscard]] double expected_max_normal(long long n);

}  // namespace colossim
