// Placeholder: the calibrate library (op tables -> efficiency profiles).
