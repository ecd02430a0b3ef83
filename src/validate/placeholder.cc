// Placeholder: the validate library (measurement rows -> predictions -> errors).
