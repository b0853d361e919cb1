"""What a Keras config may name without bringing in code from outside Keras.

Keras 3 configs carry a ``module`` per object; Keras 2 (``tf.keras``, HDF5
``model_config``) configs often carry only a ``class_name``, which the loader looks up
among Keras' own classes and the user's custom objects. A class name outside the built-in
set below therefore means custom code the loader must import or already have.
"""

from __future__ import annotations

import builtins


def _words(text: str) -> list[str]:
    return text.split()


# Module roots whose classes are Keras' own (Keras 3, Keras 2, the standalone tf-keras).
KERAS_MODULE_ROOTS = frozenset(
    {"keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras", "keras_core"}
)

# Module roots whose objects run commands, code or I/O when called or imported.
DANGEROUS_MODULE_ROOTS = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "sys",
        "importlib",
        "runpy",
        "shutil",
        "socket",
        "ctypes",
        "pty",
        "code",
        "codeop",
        "pickle",
        "_pickle",
        "marshal",
        "webbrowser",
        "urllib",
        "http",
        "requests",
        "multiprocessing",
        "commands",
        "popen2",
        "platform",
        "pdb",
        "bdb",
        "timeit",
        "cProfile",
        "profile",
        "trace",
        "dill",
        "cloudpickle",
        "joblib",
        "torch",
        "numpy.f2py",
        "distutils",
        "setuptools",
        "pip",
        "ftplib",
        "smtplib",
        "telnetlib",
    }
)

# Python builtins that run code or touch files when called with config-supplied values.
DANGEROUS_BUILTINS = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "exit",
        "quit",
    }
)
PYTHON_BUILTINS = frozenset(dir(builtins))

# Keras names that defeat safe mode or fetch/load outside content (CVE-2025-9906,
# CVE-2025-8747, CVE-2025-12058): calling them from a config is an exploit, not a model.
DANGEROUS_KERAS_NAMES = frozenset(
    {
        "enable_unsafe_deserialization",
        "get_file",
        "load_model",
        "load_weights",
        "save_model",
        "set_image_data_format",
        "func_load",
        "load_img",
        "save_img",
        "image_dataset_from_directory",
        "text_dataset_from_directory",
        "audio_dataset_from_directory",
    }
)
KERAS_OWN_PACKAGE = "Custom>"  # the default package of register_keras_serializable

# TensorFlow graph ops that call into Python, or reach files and the system.
TF_PYTHON_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})
TF_FILE_OPS = frozenset(
    {
        "ReadFile",
        "WriteFile",
        "MatchingFiles",
        "DeleteFile",
        "SaveV2",
        "RestoreV2",
        "Save",
        "Restore",
        "ImmutableConst",
        "LoadAndRemapMatrix",
        "PrintV2",
        "Print",
    }
)
# Layers that read files the archive does not hold.
EXTERNAL_RESOURCE_CLASSES = frozenset({"TFSMLayer", "TFSavedModelLayer"})
# Preprocessing layers whose ``vocabulary`` may be a path: the loader reads that file (or
# URL, through tf.io.gfile) into the model while building it, safe mode or not.
VOCABULARY_FILE_CLASSES = frozenset(
    {"StringLookup", "IntegerLookup", "TextVectorization", "IndexLookup"}
)

KERAS_CLASSES = frozenset(
    _words("""
Model Sequential Functional InputLayer Input Layer
Dense EinsumDense Activation Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D
GaussianDropout GaussianNoise AlphaDropout ActivityRegularization Flatten Reshape Permute
RepeatVector Lambda TFOpLambda SlicingOpLambda TensorFlowOpLayer Masking Embedding Identity
Conv1D Conv2D Conv3D Conv1DTranspose Conv2DTranspose Conv3DTranspose SeparableConv1D
SeparableConv2D DepthwiseConv1D DepthwiseConv2D Convolution1D Convolution2D Convolution3D
Convolution2DTranspose Convolution3DTranspose SeparableConvolution1D SeparableConvolution2D
ConvLSTM1D ConvLSTM2D ConvLSTM3D Cropping1D Cropping2D Cropping3D UpSampling1D UpSampling2D
UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D
MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D
MaxPool1D MaxPool2D MaxPool3D AvgPool1D AvgPool2D AvgPool3D GlobalMaxPooling1D
GlobalMaxPooling2D GlobalMaxPooling3D GlobalAveragePooling1D GlobalAveragePooling2D
GlobalAveragePooling3D GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalAvgPool1D
GlobalAvgPool2D GlobalAvgPool3D
LSTM GRU SimpleRNN RNN LSTMCell GRUCell SimpleRNNCell StackedRNNCells Bidirectional
TimeDistributed CuDNNLSTM CuDNNGRU LSTMV1 GRUV1 PeepholeLSTMCell
BatchNormalization LayerNormalization GroupNormalization UnitNormalization
SyncBatchNormalization SpectralNormalization RMSNormalization Normalization
Add Subtract Multiply Average Maximum Minimum Concatenate Dot
MultiHeadAttention Attention AdditiveAttention GroupedQueryAttention
ReLU LeakyReLU PReLU ELU ThresholdedReLU Softmax
Rescaling Resizing CenterCrop RandomFlip RandomRotation RandomZoom RandomTranslation
RandomContrast RandomCrop RandomHeight RandomWidth RandomBrightness TextVectorization
StringLookup IntegerLookup CategoryEncoding Hashing Discretization HashedCrossing
Wrapper InputSpec Policy DTypePolicy FloatDTypePolicy QuantizedDTypePolicy
QuantizedFloat8DTypePolicy DTypePolicyMap
GlorotUniform GlorotNormal HeUniform HeNormal LecunUniform LecunNormal Zeros Ones Constant
RandomUniform RandomNormal TruncatedNormal Orthogonal Identity VarianceScaling
OrthogonalInitializer IdentityInitializer
L1 L2 L1L2 OrthogonalRegularizer MaxNorm MinMaxNorm NonNeg UnitNorm RadialConstraint
Adam AdamW Adamax Adadelta Adagrad Adafactor Ftrl Lion Nadam RMSprop SGD LossScaleOptimizer
ExponentialDecay PiecewiseConstantDecay PolynomialDecay InverseTimeDecay CosineDecay
CosineDecayRestarts
MeanSquaredError MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredLogarithmicError
BinaryCrossentropy CategoricalCrossentropy SparseCategoricalCrossentropy Hinge SquaredHinge
CategoricalHinge Huber LogCosh Poisson KLDivergence CosineSimilarity BinaryFocalCrossentropy
CategoricalFocalCrossentropy Dice Tversky
Accuracy BinaryAccuracy CategoricalAccuracy SparseCategoricalAccuracy TopKCategoricalAccuracy
SparseTopKCategoricalAccuracy AUC Precision Recall Mean MeanMetricWrapper Sum MeanIoU IoU
RootMeanSquaredError TruePositives TrueNegatives FalsePositives FalseNegatives
StochasticDepth LayerScale CustomScaleLayer
""")
)

# Keras 3 operations (``keras.src.ops``: numpy, math, nn, image, linalg, core, einops) that
# a functional model records as nodes when it calls ``keras.ops`` on symbolic tensors
# (``Embedding(mask_zero=True)`` adds ``NotEqual``). The ``.keras`` config names their
# module; the legacy HDF5 config only the class. Operations that take Python callables
# (Cond, Map, Scan, Switch, WhileLoop, ForiLoop, VectorizedMap, AssociativeScan, JVP,
# Function) are left out: a config never needs them, and their arguments would be code.
KERAS_OPERATION_CLASSES = frozenset(
    _words("""
Abs Absolute AdaptiveAveragePool AdaptiveMaxPool Add AffineTransform All AllClose Amax Amin
Angle Any Append Arange Arccos Arccosh Arcsin Arcsinh Arctan Arctan2 Arctanh Argmax Argmin
Argpartition Argsort Array ArraySplit Average AveragePool BatchNorm BinaryCrossentropy
Bincount BitwiseAnd BitwiseInvert BitwiseLeftShift BitwiseNot BitwiseOr BitwiseRightShift
BitwiseXor BroadcastTo CDist CTCDecode CTCLoss Cast CategoricalCrossentropy Cbrt Ceil Celu
Cholesky CholeskyInverse Clip Concatenate Conj Conjugate Conv ConvTranspose ConvertToTensor
Copy Corrcoef Correlate Cos Cosh CountNonzero CropImages Cross Cumprod Cumsum Deg2rad
DepthToSpace DepthwiseConv Det Diag Diagflat Diagonal Diff Digitize Divide DivideNoNan Dot
DotProductAttention Dsplit Dstack Eig Eigh Einsum ElasticTransform Elu EmptyLike Equal Erf
Erfc Erfinv Exp Exp2 ExpandDims Expm1 ExtractPatches ExtractSequences FFT FFT2 Fabs Flip
Fliplr Flipud Floor FloorDivide Fmax Fmin Fmod Fold Full FullLike GaussianBlur Gcd Gelu
Geomspace GetItem Glu Greater GreaterEqual HSVToRGB HardShrink HardSigmoid HardSilu HardTanh
Heaviside Histogram Hsplit Hstack Hypot I0 IFFT2 IRFFT ISTFT Imag InTopK Inner Inv IsIn
Isclose Isfinite Isinf Isnan Isneginf Isposinf Isreal Kron LayerNorm Lcm Ldexp LeakyRelu
LeftShift Less LessEqual Linspace Log Log10 Log1p Log2 LogSigmoid LogSoftmax Logaddexp
Logaddexp2 Logdet LogicalAnd LogicalNot LogicalOr LogicalXor Logspace Logsumexp Lstsq
LuFactor MapCoordinates Matmul MatrixRank Max MaxPool Maximum Mean Median Meshgrid Min
Minimum Mod Moments Moveaxis MultiHot Multiply NanToNum Nanargmax Nanargmin Nancumprod
Nancumsum Nanmax Nanmean Nanmedian Nanmin Nanpercentile Nanprod Nanquantile Nanstd Nansum
Nanvar Ndim Negative Nextafter Nonzero Norm Normalize NotEqual OneHot OnesLike Outer PSNR
Pad PadImages Percentile PerspectiveTransform Pinv Polar Power Prod Ptp Qr Quantile RFFT
RGBToGrayscale RGBToHSV RMSNorm Rad2deg Ravel Real Rearrange Reciprocal Relu Relu6 Repeat
Reshape Resize RightShift Roll Rot90 Round Rsqrt SSIM STFT SVD SaturateCast
ScaleAndTranslate Scatter ScatterUpdate SearchSorted SegmentMax SegmentMin SegmentProd
SegmentReduction SegmentSum Select Selu SeparableConv Sigmoid Sign Signbit Silu Sin Sinc
Sinh Size Slice SliceUpdate Slogdet SobelEdges SoftShrink Softmax Softplus Softsign Solve
SolveTriangular Sort SpaceToDepth SparseCategoricalCrossentropy SparsePlus SparseSigmoid
Sparsemax Split Sqrt Square Squareplus Squeeze Stack Std StopGradient Subtract Sum Swapaxes
Take TakeAlongAxis Tan Tanh TanhShrink Tensordot Threshold Tile TopK Trace Transpose
Trapezoid Tril Triu TrueDivide Trunc Unfold Unique UnravelIndex Unstack Vander Var Vdot View
ViewAsComplex ViewAsReal Vsplit Vstack Where ZerosLike
""")
)

# TypeSpec names TensorFlow registers itself (type_spec_registry, TF 2.21): the SavedModel
# JSON decoder resolves a ``{"class_name": "TypeSpec", "type_spec": ...}`` among these.
TF_TYPE_SPECS = frozenset(
    _words("""
tf.TensorSpec tf.BoundedTensorSpec tf.NoneTensorSpec tf.RaggedTensorSpec tf.SparseTensorSpec
tf.TensorArraySpec tf.RowPartitionSpec tf.DynamicRaggedShape.Spec tf.StructuredTensor.Spec
tf.WeakTensor.Spec tf.EagerWeakTensor.Spec tf.GraphWeakTensor.Spec
""")
)
