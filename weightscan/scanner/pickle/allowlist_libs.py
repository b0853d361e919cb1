"""Library classes a pickle may import: GENERATED, do not edit.

Regenerate with ``python3 -m bench.gen_allowlist``
(see that script for what qualifies). Exact ``module -> names`` as pickle writes them.
"""

from __future__ import annotations

GENERATED_FROM: dict[str, str] = {
    'python': '3.11.7',
    'numpy': '2.4.6',
    'scipy': '1.17.1',
    'sklearn': '1.9.1',
    'torch': '2.13.0+cpu',
    'transformers': '5.24.0',
    'accelerate': '1.16.0',
    'lightning': '2.6.6',
    'pytorch_lightning': '2.6.6',
}

LIBRARY_GLOBALS: dict[str, tuple[str, ...]] = {
    'accelerate.state': (
        'DistributedType', 'DynamoBackend', 'GradientAccumulationPlugin', 'GradientState',
        'SageMakerDistributedType',
    ),
    'accelerate.utils.dataclasses': (
        'AutocastKwargs', 'BaseEnum', 'BnbQuantizationConfig', 'ComputeEnvironment',
        'CustomDtype', 'DDPCommunicationHookType', 'DataLoaderConfiguration',
        'DeepSpeedSequenceParallelConfig', 'DistributedDataParallelKwargs', 'DistributedType',
        'DynamoBackend', 'FP8BackendType', 'GradScalerKwargs', 'GradientAccumulationPlugin',
        'InitProcessGroupKwargs', 'KwargsHandler', 'LoggerType', 'MegatronLMPlugin',
        'PrecisionType', 'ProfileKwargs', 'ProjectConfiguration', 'RNGType',
        'SageMakerDistributedType', 'TensorInformation', 'TorchContextParallelConfig',
        'TorchDynamoPlugin', 'TorchTensorParallelPlugin',
    ),
    'lightning.fabric.utilities.data': (
        'AttributeDict', '_WrapAttrTag',
    ),
    'lightning.pytorch.callbacks.early_stopping': (
        'EarlyStopping', 'EarlyStoppingReason',
    ),
    'lightning.pytorch.callbacks.lr_monitor': (
        'LearningRateMonitor',
    ),
    'lightning.pytorch.utilities.parsing': (
        'AttributeDict', '_AttributeDict',
    ),
    'numpy': (
        '_CopyMode', 'bool', 'bool_', 'broadcast', 'busdaycalendar', 'byte', 'bytes_',
        'cdouble', 'character', 'clongdouble', 'complex128', 'complex256', 'complex64',
        'complexfloating', 'csingle', 'datetime64', 'double', 'dtype', 'finfo', 'flatiter',
        'flexible', 'float128', 'float16', 'float32', 'float64', 'floating', 'generic', 'half',
        'iinfo', 'inexact', 'int16', 'int32', 'int64', 'int8', 'int_', 'intc', 'integer',
        'intp', 'long', 'longdouble', 'longlong', 'matrix', 'ndarray', 'ndenumerate', 'ndindex',
        'number', 'object_', 'poly1d', 'recarray', 'record', 'short', 'signedinteger', 'single',
        'str_', 'timedelta64', 'ubyte', 'uint', 'uint16', 'uint32', 'uint64', 'uint8', 'uintc',
        'uintp', 'ulong', 'ulonglong', 'unsignedinteger', 'ushort', 'void',
    ),
    'numpy._core.getlimits': (
        'finfo', 'iinfo',
    ),
    'numpy._core.records': (
        'format_parser', 'recarray', 'record',
    ),
    'numpy._globals': (
        '_CopyMode',
    ),
    'numpy.dtypes': (
        'BoolDType', 'ByteDType', 'BytesDType', 'CLongDoubleDType', 'Complex128DType',
        'Complex64DType', 'DateTime64DType', 'Float16DType', 'Float32DType', 'Float64DType',
        'Int16DType', 'Int32DType', 'Int64DType', 'Int8DType', 'IntDType', 'LongDType',
        'LongDoubleDType', 'LongLongDType', 'ObjectDType', 'ShortDType', 'StrDType',
        'StringDType', 'TimeDelta64DType', 'UByteDType', 'UInt16DType', 'UInt32DType',
        'UInt64DType', 'UInt8DType', 'UIntDType', 'ULongDType', 'ULongLongDType', 'UShortDType',
        'VoidDType',
    ),
    'numpy.lib._index_tricks_impl': (
        'ndenumerate', 'ndindex',
    ),
    'numpy.lib._polynomial_impl': (
        'poly1d',
    ),
    'numpy.ma': (
        'MAError', 'MaskError', 'MaskType', 'MaskedArray', 'bool_', 'masked_array', 'mvoid',
    ),
    'numpy.ma.core': (
        'MAError', 'MaskError', 'MaskType', 'MaskedArray', 'MaskedArrayFutureWarning',
        'MaskedConstant', 'MaskedIterator', '_DomainCheckInterval', '_DomainGreater',
        '_DomainGreaterEqual', '_DomainSafeDivide', '_DomainTan', '_DomainedBinaryOperation',
        '_MaskedBinaryOperation', '_MaskedPrintOption', '_MaskedUFunc', '_MaskedUnaryOperation',
        '_extrema_operation', 'bool_', 'masked_array', 'mvoid',
    ),
    'numpy.matrixlib.defmatrix': (
        'matrix',
    ),
    'numpy.random': (
        'BitGenerator', 'Generator', 'MT19937', 'PCG64', 'PCG64DXSM', 'Philox', 'RandomState',
        'SFC64', 'SeedSequence',
    ),
    'numpy.random._generator': (
        'Generator', 'PCG64', '__pyx_unpickle_Enum',
    ),
    'numpy.random._mt19937': (
        'MT19937',
    ),
    'numpy.random._pcg64': (
        'PCG64', 'PCG64DXSM',
    ),
    'numpy.random._philox': (
        'Philox',
    ),
    'numpy.random._pickle': (
        'BitGenerator', 'Generator', 'MT19937', 'PCG64', 'PCG64DXSM', 'Philox', 'RandomState',
        'SFC64', '__bit_generator_ctor', '__generator_ctor', '__randomstate_ctor',
    ),
    'numpy.random._sfc64': (
        'SFC64',
    ),
    'numpy.random.bit_generator': (
        'BitGenerator', 'ISeedSequence', 'ISpawnableSeedSequence', 'SeedSequence',
        'SeedlessSeedSequence', 'SeedlessSequence', '__pyx_unpickle_SeedSequence',
        '__pyx_unpickle_SeedlessSeedSequence',
    ),
    'numpy.random.mtrand': (
        'RandomState',
    ),
    'numpy.rec': (
        'format_parser', 'recarray', 'record',
    ),
    'pytorch_lightning.callbacks.early_stopping': (
        'EarlyStopping', 'EarlyStoppingReason',
    ),
    'pytorch_lightning.callbacks.lr_monitor': (
        'LearningRateMonitor',
    ),
    'pytorch_lightning.utilities.parsing': (
        'AttributeDict',
    ),
    'scipy.sparse': (
        'SparseEfficiencyWarning', 'SparseWarning', 'bsr_array', 'bsr_matrix', 'coo_array',
        'coo_matrix', 'csc_array', 'csc_matrix', 'csr_array', 'csr_matrix', 'dia_array',
        'dia_matrix', 'dok_array', 'dok_matrix', 'lil_array', 'lil_matrix', 'sparray',
        'spmatrix',
    ),
    'scipy.sparse._base': (
        'SparseEfficiencyWarning', 'SparseFormatWarning', 'SparseWarning', '_spbase', 'sparray',
    ),
    'scipy.sparse._bsr': (
        '_bsr_base', 'bsr_array', 'bsr_matrix',
    ),
    'scipy.sparse._compressed': (
        'IndexMixin', 'SparseEfficiencyWarning', '_cs_matrix', '_data_matrix', '_minmax_mixin',
        '_spbase', 'sparray',
    ),
    'scipy.sparse._coo': (
        '_coo_base', 'coo_array', 'coo_matrix',
    ),
    'scipy.sparse._csc': (
        '_csc_base', 'csc_array', 'csc_matrix',
    ),
    'scipy.sparse._csr': (
        '_csr_base', 'csr_array', 'csr_matrix',
    ),
    'scipy.sparse._data': (
        '_data_matrix', '_minmax_mixin', '_spbase', 'sparray',
    ),
    'scipy.sparse._dia': (
        '_dia_base', 'dia_array', 'dia_matrix',
    ),
    'scipy.sparse._dok': (
        '_dok_base', 'dok_array', 'dok_matrix',
    ),
    'scipy.sparse._index': (
        'IndexMixin', 'sparray',
    ),
    'scipy.sparse._lil': (
        '_lil_base', 'lil_array', 'lil_matrix',
    ),
    'scipy.sparse._matrix': (
        'spmatrix',
    ),
    'scipy.sparse.base': (
        'SparseEfficiencyWarning', 'SparseWarning', 'spmatrix',
    ),
    'scipy.sparse.bsr': (
        'bsr_matrix', 'spmatrix',
    ),
    'scipy.sparse.compressed': (
        'SparseEfficiencyWarning',
    ),
    'scipy.sparse.construct': (
        'bsr_matrix', 'coo_matrix', 'csc_matrix', 'csr_matrix', 'dia_matrix',
    ),
    'scipy.sparse.coo': (
        'SparseEfficiencyWarning', 'coo_matrix', 'spmatrix',
    ),
    'scipy.sparse.csc': (
        'csc_matrix', 'spmatrix',
    ),
    'scipy.sparse.csgraph': (
        'NegativeCycleError',
    ),
    'scipy.sparse.csgraph._flow': (
        'DTYPE', 'ITYPE', 'MaximumFlowResult', 'csr_array', 'csr_matrix',
    ),
    'scipy.sparse.csgraph._matching': (
        'BTYPE', 'DTYPE', 'ITYPE', 'csr_array',
    ),
    'scipy.sparse.csgraph._min_spanning_tree': (
        'DTYPE', 'ITYPE', 'csr_array', 'csr_matrix', 'spmatrix',
    ),
    'scipy.sparse.csgraph._reordering': (
        'DTYPE', 'ITYPE', 'SparseEfficiencyWarning', 'csr_array',
    ),
    'scipy.sparse.csgraph._shortest_path': (
        'DTYPE', 'ITYPE', 'NegativeCycleError', '_YenCandidatePaths', 'csr_array',
    ),
    'scipy.sparse.csgraph._tools': (
        'DTYPE', 'ITYPE', 'csr_array', 'csr_matrix', 'spmatrix',
    ),
    'scipy.sparse.csgraph._traversal': (
        'DTYPE', 'ITYPE',
    ),
    'scipy.sparse.csgraph._validation': (
        'DTYPE',
    ),
    'scipy.sparse.csr': (
        'csr_matrix', 'spmatrix',
    ),
    'scipy.sparse.dia': (
        'dia_matrix', 'spmatrix',
    ),
    'scipy.sparse.dok': (
        'dok_matrix', 'spmatrix',
    ),
    'scipy.sparse.extract': (
        'coo_matrix',
    ),
    'scipy.sparse.lil': (
        'lil_array', 'lil_matrix',
    ),
    'sklearn._cyutility': (
        '__pyx_unpickle_Enum',
    ),
    'sklearn._loss': (
        'AbsoluteError', 'HalfBinomialLoss', 'HalfBinomialLossArrayAPI', 'HalfGammaLoss',
        'HalfMultinomialLoss', 'HalfMultinomialLossArrayAPI', 'HalfPoissonLoss',
        'HalfSquaredError', 'HalfTweedieLoss', 'HalfTweedieLossIdentity', 'HuberLoss',
        'PinballLoss',
    ),
    'sklearn._loss._loss': (
        'CyAbsoluteError', 'CyExponentialLoss', 'CyHalfBinomialLoss', 'CyHalfGammaLoss',
        'CyHalfMultinomialLoss', 'CyHalfPoissonLoss', 'CyHalfSquaredError', 'CyHalfTweedieLoss',
        'CyHalfTweedieLossIdentity', 'CyHuberLoss', 'CyLossFunction', 'CyPinballLoss',
        '__pyx_unpickle_CyHalfMultinomialLoss',
    ),
    'sklearn._loss.link': (
        'BaseLink', 'HalfLogitLink', 'IdentityLink', 'Interval', 'LogLink', 'LogitLink',
        'MultinomialLogit',
    ),
    'sklearn._loss.loss': (
        'AbsoluteError', 'ArrayAPILossMixin', 'BaseLoss', 'CyAbsoluteError',
        'CyExponentialLoss', 'CyHalfBinomialLoss', 'CyHalfGammaLoss', 'CyHalfMultinomialLoss',
        'CyHalfPoissonLoss', 'CyHalfSquaredError', 'CyHalfTweedieLoss',
        'CyHalfTweedieLossIdentity', 'CyHuberLoss', 'CyPinballLoss', 'ExponentialLoss',
        'HalfBinomialLoss', 'HalfBinomialLossArrayAPI', 'HalfGammaLoss', 'HalfLogitLink',
        'HalfMultinomialLoss', 'HalfMultinomialLossArrayAPI', 'HalfPoissonLoss',
        'HalfPoissonLossArrayAPI', 'HalfSquaredError', 'HalfTweedieLoss',
        'HalfTweedieLossIdentity', 'HuberLoss', 'IdentityLink', 'Interval', 'LogLink',
        'LogitLink', 'MultinomialLogit', 'PinballLoss',
    ),
    'sklearn.base': (
        'AttrsDict', 'BaseEstimator', 'BiclusterMixin', 'ClassNamePrefixFeaturesOutMixin',
        'ClassifierMixin', 'ClassifierTags', 'ClusterMixin', 'DensityMixin',
        'InconsistentVersionWarning', 'MetaEstimatorMixin', 'MultiOutputMixin',
        'OneToOneFeatureMixin', 'OutlierMixin', 'ParamsDict', 'RegressorMixin', 'RegressorTags',
        'ReprHTMLMixin', 'Tags', 'TargetTags', 'TransformerMixin', 'TransformerTags',
        '_HTMLDocumentationLinkMixin', '_MetadataRequester', '_SetOutputMixin',
        '_UnstableArchMixin',
    ),
    'sklearn.calibration': (
        'BaseEstimator', 'CalibratedClassifierCV', 'CalibrationDisplay', 'ClassifierMixin',
        'FrozenEstimator', 'HalfBinomialLoss', 'HalfMultinomialLoss',
        'HalfMultinomialLossArrayAPI', 'HasMethods', 'Interval', 'IsotonicRegression',
        'LabelEncoder', 'LeaveOneOut', 'LinearSVC', 'MetaEstimatorMixin', 'MetadataRouter',
        'MethodMapping', 'RegressorMixin', 'StrOptions', '_BinaryClassifierCurveDisplayMixin',
        '_CalibratedClassifier', '_SigmoidCalibration', '_TemperatureScaling',
    ),
    'sklearn.callback': (
        'AutoPropagatedCallback', 'CallbackContext', 'CallbackSupportMixin', 'FitCallback',
        'ProgressBar', 'ScoringMonitorLog',
    ),
    'sklearn.callback._base': (
        'AutoPropagatedCallback', 'FitCallback', '_BaseCallback',
    ),
    'sklearn.callback._callback_context': (
        'AutoPropagatedCallback', 'CallbackContext',
    ),
    'sklearn.callback._callback_support': (
        'AutoPropagatedCallback', 'CallbackContext', 'CallbackSupportMixin', 'FitCallback',
    ),
    'sklearn.callback._progressbar': (
        'Interval', 'ProgressBar', 'RichTask',
    ),
    'sklearn.callback._scoring_monitor': (
        'ScoringMonitorLog', 'StrOptions',
    ),
    'sklearn.callback._transport': (
        'ListenerHandle',
    ),
    'sklearn.cluster': (
        'AffinityPropagation', 'AgglomerativeClustering', 'Birch', 'BisectingKMeans', 'DBSCAN',
        'FeatureAgglomeration', 'HDBSCAN', 'KMeans', 'MeanShift', 'MiniBatchKMeans', 'OPTICS',
        'SpectralBiclustering', 'SpectralClustering', 'SpectralCoclustering',
    ),
    'sklearn.cluster._affinity_propagation': (
        'AffinityPropagation', 'BaseEstimator', 'ClusterMixin', 'ConvergenceWarning',
        'Interval', 'StrOptions',
    ),
    'sklearn.cluster._agglomerative': (
        'AgglomerationTransform', 'AgglomerativeClustering', 'BaseEstimator',
        'ClassNamePrefixFeaturesOutMixin', 'ClusterMixin', 'DistanceMetric',
        'FeatureAgglomeration', 'HasMethods', 'IntFloatDict', 'Interval', 'StrOptions',
    ),
    'sklearn.cluster._bicluster': (
        'BaseSpectral', 'SpectralBiclustering', 'SpectralCoclustering',
    ),
    'sklearn.cluster._birch': (
        'AgglomerativeClustering', 'BaseEstimator', 'Birch', 'ClassNamePrefixFeaturesOutMixin',
        'ClusterMixin', 'ConvergenceWarning', 'Interval', 'TransformerMixin', '_CFNode',
        '_CFSubcluster',
    ),
    'sklearn.cluster._bisect_k_means': (
        'BisectingKMeans', 'Interval', 'StrOptions', '_BaseKMeans', '_BisectingTree',
    ),
    'sklearn.cluster._dbscan': (
        'BaseEstimator', 'ClusterMixin', 'DBSCAN', 'Interval', 'NearestNeighbors', 'StrOptions',
    ),
    'sklearn.cluster._feature_agglomeration': (
        'AgglomerationTransform', 'TransformerMixin',
    ),
    'sklearn.cluster._hdbscan._tree': (
        'TreeUnionFind', '__pyx_unpickle_TreeUnionFind',
    ),
    'sklearn.cluster._hdbscan.hdbscan': (
        'BallTree', 'BaseEstimator', 'ClusterMixin', 'DistanceMetric', 'HDBSCAN', 'Hidden',
        'Interval', 'KDTree', 'NearestNeighbors', 'StrOptions',
    ),
    'sklearn.cluster._hierarchical_fast': (
        'UnionFind', 'WeightedEdge', '__pyx_unpickle_UnionFind', '__pyx_unpickle_WeightedEdge',
    ),
    'sklearn.cluster._kmeans': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'ClusterMixin',
        'ConvergenceWarning', 'Interval', 'KMeans', 'MiniBatchKMeans', 'StrOptions',
        'TransformerMixin', '_BaseKMeans',
    ),
    'sklearn.cluster._mean_shift': (
        'BaseEstimator', 'ClusterMixin', 'Interval', 'MeanShift', 'NearestNeighbors',
    ),
    'sklearn.cluster._optics': (
        'BaseEstimator', 'ClusterMixin', 'DataConversionWarning', 'HasMethods', 'Interval',
        'NearestNeighbors', 'OPTICS', 'RealNotInt', 'SparseEfficiencyWarning', 'StrOptions',
    ),
    'sklearn.cluster._spectral': (
        'BaseEstimator', 'ClusterMixin', 'Interval', 'NearestNeighbors', 'SpectralClustering',
        'StrOptions', 'csc_array',
    ),
    'sklearn.compose': (
        'ColumnTransformer', 'TransformedTargetRegressor', 'make_column_selector',
    ),
    'sklearn.compose._column_transformer': (
        'ColumnTransformer', 'make_column_selector',
    ),
    'sklearn.compose._target': (
        'TransformedTargetRegressor',
    ),
    'sklearn.covariance': (
        'EllipticEnvelope', 'EmpiricalCovariance', 'GraphicalLasso', 'GraphicalLassoCV',
        'LedoitWolf', 'MinCovDet', 'OAS', 'ShrunkCovariance',
    ),
    'sklearn.covariance._elliptic_envelope': (
        'EllipticEnvelope', 'Interval', 'MinCovDet', 'OutlierMixin',
    ),
    'sklearn.covariance._empirical_covariance': (
        'BaseEstimator', 'EmpiricalCovariance',
    ),
    'sklearn.covariance._graph_lasso': (
        'BaseGraphicalLasso', 'ConvergenceWarning', 'EmpiricalCovariance', 'GraphicalLasso',
        'GraphicalLassoCV', 'Interval', 'MetadataRouter', 'MethodMapping', 'StrOptions',
    ),
    'sklearn.covariance._robust_covariance': (
        'EmpiricalCovariance', 'Interval', 'MinCovDet',
    ),
    'sklearn.covariance._shrunk_covariance': (
        'EmpiricalCovariance', 'Interval', 'LedoitWolf', 'OAS', 'ShrunkCovariance',
    ),
    'sklearn.cross_decomposition': (
        'CCA', 'PLSCanonical', 'PLSRegression', 'PLSSVD',
    ),
    'sklearn.cross_decomposition._pls': (
        'CCA', 'PLSCanonical', 'PLSRegression', 'PLSSVD', '_PLS',
    ),
    'sklearn.decomposition': (
        'DictionaryLearning', 'FactorAnalysis', 'FastICA', 'IncrementalPCA', 'KernelPCA',
        'LatentDirichletAllocation', 'MiniBatchDictionaryLearning', 'MiniBatchNMF',
        'MiniBatchSparsePCA', 'NMF', 'PCA', 'SparseCoder', 'SparsePCA', 'TruncatedSVD',
    ),
    'sklearn.decomposition._base': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'TransformerMixin', '_BasePCA',
    ),
    'sklearn.decomposition._dict_learning': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'DictionaryLearning', 'Interval',
        'Lars', 'Lasso', 'LassoLars', 'MiniBatchDictionaryLearning', 'SparseCoder',
        'StrOptions', 'TransformerMixin', '_BaseSparseCoding',
    ),
    'sklearn.decomposition._factor_analysis': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'ConvergenceWarning',
        'FactorAnalysis', 'Interval', 'StrOptions', 'TransformerMixin',
    ),
    'sklearn.decomposition._fastica': (
        'FastICA',
    ),
    'sklearn.decomposition._incremental_pca': (
        'IncrementalPCA', 'Interval', '_BasePCA',
    ),
    'sklearn.decomposition._kernel_pca': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval', 'KernelCenterer',
        'KernelPCA', 'NotFittedError', 'StrOptions', 'TransformerMixin',
    ),
    'sklearn.decomposition._lda': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval',
        'LatentDirichletAllocation', 'StrOptions', 'TransformerMixin',
    ),
    'sklearn.decomposition._nmf': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'ConvergenceWarning', 'Interval',
        'MiniBatchNMF', 'NMF', 'StrOptions', 'TransformerMixin', '_BaseNMF',
    ),
    'sklearn.decomposition._pca': (
        'Interval', 'PCA', 'RealNotInt', 'StrOptions', '_BasePCA',
    ),
    'sklearn.decomposition._sparse_pca': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval',
        'MiniBatchDictionaryLearning', 'MiniBatchSparsePCA', 'SparsePCA', 'StrOptions',
        'TransformerMixin', '_BaseSparsePCA',
    ),
    'sklearn.decomposition._truncated_svd': (
        'TruncatedSVD',
    ),
    'sklearn.discriminant_analysis': (
        'DiscriminantAnalysisPredictionMixin', 'LinearDiscriminantAnalysis',
        'QuadraticDiscriminantAnalysis',
    ),
    'sklearn.dummy': (
        'BaseEstimator', 'ClassifierMixin', 'DummyClassifier', 'DummyRegressor', 'Interval',
        'MultiOutputMixin', 'RegressorMixin', 'StrOptions',
    ),
    'sklearn.ensemble': (
        'AdaBoostClassifier', 'AdaBoostRegressor', 'BaggingClassifier', 'BaggingRegressor',
        'BaseEnsemble', 'ExtraTreesClassifier', 'ExtraTreesRegressor',
        'GradientBoostingClassifier', 'GradientBoostingRegressor',
        'HistGradientBoostingClassifier', 'HistGradientBoostingRegressor', 'IsolationForest',
        'RandomForestClassifier', 'RandomForestRegressor', 'RandomTreesEmbedding',
        'StackingClassifier', 'StackingRegressor', 'VotingClassifier', 'VotingRegressor',
    ),
    'sklearn.ensemble._bagging': (
        'BaggingClassifier', 'BaggingRegressor', 'BaseBagging',
    ),
    'sklearn.ensemble._base': (
        'BaseEnsemble', 'BaseEstimator', 'Bunch', 'MetaEstimatorMixin', '_BaseComposition',
        '_BaseHeterogeneousEnsemble',
    ),
    'sklearn.ensemble._forest': (
        'BaseForest', 'ExtraTreesClassifier', 'ExtraTreesRegressor', 'ForestClassifier',
        'ForestRegressor', 'RandomForestClassifier', 'RandomForestRegressor',
        'RandomTreesEmbedding',
    ),
    'sklearn.ensemble._gb': (
        'AbsoluteError', 'BaseEnsemble', 'BaseGradientBoosting', 'ClassifierMixin',
        'DecisionTreeRegressor', 'DummyClassifier', 'DummyRegressor', 'ExponentialLoss',
        'GradientBoostingClassifier', 'GradientBoostingRegressor', 'HalfBinomialLoss',
        'HalfMultinomialLoss', 'HalfSquaredError', 'HasMethods', 'Hidden', 'HuberLoss',
        'Interval', 'LabelEncoder', 'NotFittedError', 'PinballLoss', 'RegressorMixin',
        'StrOptions', 'VerboseReporter', 'csc_array', 'csr_array',
    ),
    'sklearn.ensemble._hist_gradient_boosting._gradient_boosting': (
        'Y_DTYPE',
    ),
    'sklearn.ensemble._hist_gradient_boosting._predictor': (
        'Y_DTYPE',
    ),
    'sklearn.ensemble._hist_gradient_boosting.binning': (
        'BaseEstimator', 'TransformerMixin', 'X_BINNED_DTYPE', 'X_BITSET_INNER_DTYPE',
        'X_DTYPE', '_BinMapper',
    ),
    'sklearn.ensemble._hist_gradient_boosting.common': (
        'G_H_DTYPE', 'MonotonicConstraint', 'X_BINNED_DTYPE', 'X_BITSET_INNER_DTYPE', 'X_DTYPE',
        'Y_DTYPE',
    ),
    'sklearn.ensemble._hist_gradient_boosting.gradient_boosting': (
        'BaseEstimator', 'BaseHistGradientBoosting', 'BaseLoss', 'ClassifierMixin',
        'ColumnTransformer', 'FunctionTransformer', 'G_H_DTYPE', 'HalfBinomialLoss',
        'HalfGammaLoss', 'HalfMultinomialLoss', 'HalfPoissonLoss',
        'HistGradientBoostingClassifier', 'HistGradientBoostingRegressor', 'Interval',
        'LabelEncoder', 'OrdinalEncoder', 'PinballLoss', 'RealNotInt', 'RegressorMixin',
        'StrOptions', 'TreeGrower', 'X_DTYPE', 'Y_DTYPE', '_BinMapper',
    ),
    'sklearn.ensemble._hist_gradient_boosting.grower': (
        'HistogramBuilder', 'MonotonicConstraint', 'Splitter', 'TreeGrower', 'TreeNode',
        'TreePredictor', 'X_BITSET_INNER_DTYPE',
    ),
    'sklearn.ensemble._hist_gradient_boosting.histogram': (
        'HistogramBuilder', '__pyx_unpickle_HistogramBuilder',
    ),
    'sklearn.ensemble._hist_gradient_boosting.predictor': (
        'TreePredictor', 'Y_DTYPE',
    ),
    'sklearn.ensemble._hist_gradient_boosting.splitting': (
        'SplitInfo', 'Splitter', '__pyx_unpickle_Splitter',
    ),
    'sklearn.ensemble._hist_gradient_boosting.utils': (
        '_BinMapper',
    ),
    'sklearn.ensemble._iforest': (
        'IsolationForest',
    ),
    'sklearn.ensemble._stacking': (
        'Bunch', 'ClassifierMixin', 'HasMethods', 'LabelEncoder', 'LogisticRegression',
        'MetadataRouter', 'MethodMapping', 'NotFittedError', 'RegressorMixin', 'RidgeCV',
        'StackingClassifier', 'StackingRegressor', 'StrOptions', 'TransformerMixin',
        '_BaseHeterogeneousEnsemble', '_BaseStacking', '_VisualBlock',
    ),
    'sklearn.ensemble._voting': (
        'Bunch', 'ClassifierMixin', 'LabelEncoder', 'MetadataRouter', 'MethodMapping',
        'NotFittedError', 'RegressorMixin', 'StrOptions', 'TransformerMixin',
        'VotingClassifier', 'VotingRegressor', '_BaseHeterogeneousEnsemble', '_BaseVoting',
        '_VisualBlock',
    ),
    'sklearn.ensemble._weight_boosting': (
        'AdaBoostClassifier', 'AdaBoostRegressor', 'BaseWeightBoosting',
    ),
    'sklearn.exceptions': (
        'ConvergenceWarning', 'DataConversionWarning', 'DataDimensionalityWarning',
        'EfficiencyWarning', 'EstimatorCheckFailedWarning', 'FitFailedWarning',
        'InconsistentVersionWarning', 'NotFittedError', 'PositiveSpectrumWarning',
        'SkipTestWarning', 'UndefinedMetricWarning', 'UnsetMetadataPassedError',
    ),
    'sklearn.experimental.enable_halving_search_cv': (
        'HalvingGridSearchCV', 'HalvingRandomSearchCV',
    ),
    'sklearn.experimental.enable_iterative_imputer': (
        'IterativeImputer',
    ),
    'sklearn.feature_extraction': (
        'DictVectorizer', 'FeatureHasher',
    ),
    'sklearn.feature_extraction._dict_vectorizer': (
        'BaseEstimator', 'DictVectorizer', 'TransformerMixin',
    ),
    'sklearn.feature_extraction._hash': (
        'BaseEstimator', 'FeatureHasher', 'Interval', 'StrOptions', 'TransformerMixin',
    ),
    'sklearn.feature_extraction.image': (
        'PatchExtractor',
    ),
    'sklearn.feature_extraction.text': (
        'CountVectorizer', 'HashingVectorizer', 'TfidfTransformer', 'TfidfVectorizer',
        '_VectorizerMixin',
    ),
    'sklearn.feature_selection': (
        'GenericUnivariateSelect', 'RFE', 'RFECV', 'SelectFdr', 'SelectFpr', 'SelectFromModel',
        'SelectFwe', 'SelectKBest', 'SelectPercentile', 'SelectorMixin',
        'SequentialFeatureSelector', 'VarianceThreshold',
    ),
    'sklearn.feature_selection._base': (
        'SelectorMixin', 'TransformerMixin', 'csc_array', 'csr_array',
    ),
    'sklearn.feature_selection._from_model': (
        'BaseEstimator', 'HasMethods', 'Interval', 'MetaEstimatorMixin', 'MetadataRouter',
        'MethodMapping', 'NotFittedError', 'Options', 'SelectFromModel', 'SelectorMixin',
    ),
    'sklearn.feature_selection._mutual_info': (
        'Interval', 'KDTree', 'NearestNeighbors', 'StrOptions',
    ),
    'sklearn.feature_selection._rfe': (
        'BaseEstimator', 'HasMethods', 'Interval', 'MetaEstimatorMixin', 'MetadataRouter',
        'MethodMapping', 'RFE', 'RFECV', 'RealNotInt', 'SelectorMixin',
    ),
    'sklearn.feature_selection._sequential': (
        'BaseEstimator', 'HasMethods', 'Interval', 'MetaEstimatorMixin', 'MetadataRouter',
        'MethodMapping', 'RealNotInt', 'SelectorMixin', 'SequentialFeatureSelector',
        'StrOptions',
    ),
    'sklearn.feature_selection._univariate_selection': (
        'BaseEstimator', 'GenericUnivariateSelect', 'Interval', 'LabelBinarizer', 'SelectFdr',
        'SelectFpr', 'SelectFwe', 'SelectKBest', 'SelectPercentile', 'SelectorMixin',
        'StrOptions', '_BaseFilter',
    ),
    'sklearn.feature_selection._variance_threshold': (
        'BaseEstimator', 'Interval', 'SelectorMixin', 'VarianceThreshold',
    ),
    'sklearn.frozen': (
        'FrozenEstimator',
    ),
    'sklearn.frozen._frozen': (
        'BaseEstimator', 'FrozenEstimator', 'NotFittedError',
    ),
    'sklearn.gaussian_process': (
        'GaussianProcessClassifier', 'GaussianProcessRegressor',
    ),
    'sklearn.gaussian_process._gpc': (
        'BaseEstimator', 'C', 'ClassifierMixin', 'CompoundKernel', 'GaussianProcessClassifier',
        'Interval', 'Kernel', 'LabelEncoder', 'OneVsOneClassifier', 'OneVsRestClassifier',
        'RBF', 'StrOptions', '_BinaryGaussianProcessClassifierLaplace',
    ),
    'sklearn.gaussian_process._gpr': (
        'BaseEstimator', 'C', 'GaussianProcessRegressor', 'Interval', 'Kernel',
        'MultiOutputMixin', 'RBF', 'RegressorMixin', 'StrOptions',
    ),
    'sklearn.gaussian_process.kernels': (
        'CompoundKernel', 'ConstantKernel', 'ConvergenceWarning', 'DotProduct',
        'ExpSineSquared', 'Exponentiation', 'GenericKernelMixin', 'Hyperparameter', 'Kernel',
        'KernelOperator', 'Matern', 'NormalizedKernelMixin', 'PairwiseKernel', 'Product', 'RBF',
        'RationalQuadratic', 'StationaryKernelMixin', 'Sum', 'WhiteKernel',
    ),
    'sklearn.impute': (
        'IterativeImputer', 'KNNImputer', 'MissingIndicator', 'SimpleImputer',
    ),
    'sklearn.impute._base': (
        'BaseEstimator', 'MissingIndicator', 'MissingValues', 'SimpleImputer', 'StrOptions',
        'TransformerMixin', '_BaseImputer',
    ),
    'sklearn.impute._iterative': (
        'ConvergenceWarning', 'HasMethods', 'Interval', 'IterativeImputer', 'MetadataRouter',
        'MethodMapping', 'SimpleImputer', 'StrOptions', '_BaseImputer', '_ImputerTriplet',
    ),
    'sklearn.impute._knn': (
        'Hidden', 'Interval', 'KNNImputer', 'StrOptions', '_BaseImputer',
    ),
    'sklearn.inspection': (
        'DecisionBoundaryDisplay', 'PartialDependenceDisplay',
    ),
    'sklearn.inspection._permutation_importance': (
        'Bunch', 'HasMethods', 'Interval', 'RealNotInt', 'StrOptions',
    ),
    'sklearn.inspection._plot.decision_boundary': (
        'DecisionBoundaryDisplay', 'LabelEncoder',
    ),
    'sklearn.inspection._plot.partial_dependence': (
        'Bunch', 'PartialDependenceDisplay',
    ),
    'sklearn.isotonic': (
        'IsotonicRegression',
    ),
    'sklearn.kernel_approximation': (
        'AdditiveChi2Sampler', 'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval',
        'Nystroem', 'PolynomialCountSketch', 'RBFSampler', 'SkewedChi2Sampler', 'StrOptions',
        'TransformerMixin',
    ),
    'sklearn.kernel_ridge': (
        'BaseEstimator', 'Interval', 'KernelRidge', 'MultiOutputMixin', 'RegressorMixin',
        'StrOptions',
    ),
    'sklearn.linear_model': (
        'ARDRegression', 'BayesianRidge', 'ElasticNet', 'ElasticNetCV', 'GammaRegressor',
        'HuberRegressor', 'Lars', 'LarsCV', 'Lasso', 'LassoCV', 'LassoLars', 'LassoLarsCV',
        'LassoLarsIC', 'LinearRegression', 'LogisticRegression', 'LogisticRegressionCV',
        'MultiTaskElasticNet', 'MultiTaskElasticNetCV', 'MultiTaskLasso', 'MultiTaskLassoCV',
        'OrthogonalMatchingPursuit', 'OrthogonalMatchingPursuitCV',
        'PassiveAggressiveClassifier', 'PassiveAggressiveRegressor', 'Perceptron',
        'PoissonRegressor', 'QuantileRegressor', 'RANSACRegressor', 'Ridge', 'RidgeCV',
        'RidgeClassifier', 'RidgeClassifierCV', 'SGDClassifier', 'SGDOneClassSVM',
        'SGDRegressor', 'TheilSenRegressor', 'TweedieRegressor',
    ),
    'sklearn.linear_model._base': (
        'ArrayDataset32', 'ArrayDataset64', 'BaseEstimator', 'CSRDataset32', 'CSRDataset64',
        'ClassifierMixin', 'Interval', 'LinearClassifierMixin', 'LinearModel',
        'LinearRegression', 'MultiOutputLinearModel', 'MultiOutputMixin', 'RegressorMixin',
        'SparseCoefMixin',
    ),
    'sklearn.linear_model._bayes': (
        'ARDRegression', 'BayesianRidge', 'Interval', 'LinearModel', 'RegressorMixin',
    ),
    'sklearn.linear_model._cd_fast': (
        'ConvergenceWarning',
    ),
    'sklearn.linear_model._coordinate_descent': (
        'ElasticNet', 'ElasticNetCV', 'Hidden', 'Interval', 'Lasso', 'LassoCV', 'LinearModelCV',
        'MetadataRouter', 'MethodMapping', 'MultiOutputLinearModel', 'MultiTaskElasticNet',
        'MultiTaskElasticNetCV', 'MultiTaskLasso', 'MultiTaskLassoCV', 'RegressorMixin',
        'StrOptions',
    ),
    'sklearn.linear_model._glm': (
        'GammaRegressor', 'PoissonRegressor', 'TweedieRegressor', '_GeneralizedLinearRegressor',
    ),
    'sklearn.linear_model._glm._newton_solver': (
        'ConvergenceWarning', 'HalfSquaredError', 'LinearModelLoss', 'NewtonCholeskySolver',
        'NewtonSolver',
    ),
    'sklearn.linear_model._glm.glm': (
        'BaseEstimator', 'GammaRegressor', 'HalfGammaLoss', 'HalfPoissonLoss',
        'HalfPoissonLossArrayAPI', 'HalfSquaredError', 'HalfTweedieLoss',
        'HalfTweedieLossIdentity', 'Hidden', 'Interval', 'LinearModelLoss',
        'NewtonCholeskySolver', 'NewtonSolver', 'PoissonRegressor', 'RegressorMixin',
        'StrOptions', 'TweedieRegressor', '_GeneralizedLinearRegressor',
    ),
    'sklearn.linear_model._huber': (
        'BaseEstimator', 'HuberRegressor', 'Interval', 'LinearModel', 'RegressorMixin',
    ),
    'sklearn.linear_model._least_angle': (
        'ConvergenceWarning', 'Hidden', 'Interval', 'Lars', 'LarsCV', 'LassoLars',
        'LassoLarsCV', 'LassoLarsIC', 'LinearRegression', 'MetadataRouter', 'MethodMapping',
        'MultiOutputLinearModel', 'RegressorMixin', 'StrOptions',
    ),
    'sklearn.linear_model._linear_loss': (
        'LinearModelLoss',
    ),
    'sklearn.linear_model._logistic': (
        'BaseEstimator', 'CallbackSupportMixin', 'HalfBinomialLoss', 'HalfBinomialLossArrayAPI',
        'HalfMultinomialLoss', 'HalfMultinomialLossArrayAPI', 'Hidden', 'Interval',
        'LabelEncoder', 'LinearClassifierMixin', 'LinearModelLoss', 'LogisticRegression',
        'LogisticRegressionCV', 'MetadataRouter', 'MethodMapping', 'NewtonCholeskySolver',
        'SparseCoefMixin', 'StrOptions', '_LbfgsCallbackBridge',
    ),
    'sklearn.linear_model._omp': (
        'Interval', 'LinearModel', 'MetadataRouter', 'MethodMapping', 'MultiOutputLinearModel',
        'OrthogonalMatchingPursuit', 'OrthogonalMatchingPursuitCV', 'RegressorMixin',
        'StrOptions',
    ),
    'sklearn.linear_model._passive_aggressive': (
        'BaseSGDClassifier', 'BaseSGDRegressor', 'Interval', 'PassiveAggressiveClassifier',
        'PassiveAggressiveRegressor', 'StrOptions', 'deprecated',
    ),
    'sklearn.linear_model._perceptron': (
        'BaseSGDClassifier', 'Interval', 'Perceptron', 'StrOptions',
    ),
    'sklearn.linear_model._quantile': (
        'BaseEstimator', 'ConvergenceWarning', 'Interval', 'LinearModel', 'QuantileRegressor',
        'RegressorMixin', 'StrOptions',
    ),
    'sklearn.linear_model._ransac': (
        'BaseEstimator', 'ConvergenceWarning', 'HasMethods', 'Interval', 'LinearRegression',
        'MetaEstimatorMixin', 'MetadataRouter', 'MethodMapping', 'MultiOutputMixin', 'Options',
        'RANSACRegressor', 'RealNotInt', 'RegressorMixin', 'StrOptions',
    ),
    'sklearn.linear_model._ridge': (
        'BaseEstimator', 'ConvergenceWarning', 'GridSearchCV', 'Interval', 'LabelBinarizer',
        'LinearClassifierMixin', 'LinearModel', 'MetadataRouter', 'MethodMapping',
        'MultiOutputMixin', 'RegressorMixin', 'Ridge', 'RidgeCV', 'RidgeClassifier',
        'RidgeClassifierCV', 'StrOptions', '_BaseRidge', '_BaseRidgeCV', '_IdentityClassifier',
        '_IdentityRegressor', '_RidgeClassifierMixin', '_RidgeGCV', '_XT_CenterStackOp',
        '_X_CenterStackOp',
    ),
    'sklearn.linear_model._sag': (
        'ConvergenceWarning',
    ),
    'sklearn.linear_model._sgd_fast': (
        'Classification', 'EpsilonInsensitive', 'Hinge', 'ModifiedHuber', 'Regression',
        'SquaredEpsilonInsensitive', 'SquaredHinge', '__pyx_unpickle_Classification',
        '__pyx_unpickle_Regression',
    ),
    'sklearn.linear_model._stochastic_gradient': (
        'BaseEstimator', 'BaseSGD', 'BaseSGDClassifier', 'BaseSGDRegressor',
        'ConvergenceWarning', 'CyHalfBinomialLoss', 'CyHalfSquaredError', 'CyHuberLoss',
        'EpsilonInsensitive', 'Hidden', 'Hinge', 'Interval', 'LinearClassifierMixin',
        'ModifiedHuber', 'OutlierMixin', 'RegressorMixin', 'SGDClassifier', 'SGDOneClassSVM',
        'SGDRegressor', 'ShuffleSplit', 'SparseCoefMixin', 'SquaredEpsilonInsensitive',
        'SquaredHinge', 'StrOptions', 'StratifiedShuffleSplit', '_ValidationScoreCallback',
    ),
    'sklearn.linear_model._theil_sen': (
        'ConvergenceWarning', 'Interval', 'LinearModel', 'RegressorMixin', 'TheilSenRegressor',
    ),
    'sklearn.manifold': (
        'ClassicalMDS', 'Isomap', 'LocallyLinearEmbedding', 'MDS', 'SpectralEmbedding', 'TSNE',
    ),
    'sklearn.manifold._classical_mds': (
        'BaseEstimator', 'ClassicalMDS', 'Interval',
    ),
    'sklearn.manifold._isomap': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval', 'Isomap',
        'KernelCenterer', 'KernelPCA', 'NearestNeighbors', 'StrOptions', 'TransformerMixin',
    ),
    'sklearn.manifold._locally_linear': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval',
        'LocallyLinearEmbedding', 'NearestNeighbors', 'StrOptions', 'TransformerMixin',
        '_UnstableArchMixin', 'csr_array', 'lil_array',
    ),
    'sklearn.manifold._mds': (
        'BaseEstimator', 'ClassicalMDS', 'Hidden', 'Interval', 'IsotonicRegression', 'MDS',
        'StrOptions',
    ),
    'sklearn.manifold._spectral_embedding': (
        'BaseEstimator', 'Interval', 'NearestNeighbors', 'SpectralEmbedding', 'StrOptions',
    ),
    'sklearn.manifold._t_sne': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'Interval', 'NearestNeighbors',
        'PCA', 'StrOptions', 'TSNE', 'TransformerMixin', 'csr_array',
    ),
    'sklearn.metrics': (
        'ConfusionMatrixDisplay', 'DetCurveDisplay', 'DistanceMetric', 'PrecisionRecallDisplay',
        'PredictionErrorDisplay', 'RocCurveDisplay',
    ),
    'sklearn.metrics._classification': (
        'Hidden', 'Interval', 'LabelBinarizer', 'LabelEncoder', 'Options', 'StrOptions',
        'UndefinedMetricWarning', 'coo_array', 'csr_array',
    ),
    'sklearn.metrics._dist_metrics': (
        'BrayCurtisDistance32', 'BrayCurtisDistance64', 'CanberraDistance32',
        'CanberraDistance64', 'ChebyshevDistance32', 'ChebyshevDistance64', 'DiceDistance32',
        'DiceDistance64', 'DistanceMetric', 'DistanceMetric32', 'DistanceMetric64',
        'EuclideanDistance32', 'EuclideanDistance64', 'HammingDistance32', 'HammingDistance64',
        'HaversineDistance32', 'HaversineDistance64', 'JaccardDistance32', 'JaccardDistance64',
        'KulsinskiDistance32', 'KulsinskiDistance64', 'MahalanobisDistance32',
        'MahalanobisDistance64', 'ManhattanDistance32', 'ManhattanDistance64',
        'MatchingDistance32', 'MatchingDistance64', 'MinkowskiDistance32',
        'MinkowskiDistance64', 'PyFuncDistance32', 'PyFuncDistance64',
        'RogersTanimotoDistance32', 'RogersTanimotoDistance64', 'RussellRaoDistance32',
        'RussellRaoDistance64', 'SEuclideanDistance32', 'SEuclideanDistance64',
        'SokalMichenerDistance32', 'SokalMichenerDistance64', 'SokalSneathDistance32',
        'SokalSneathDistance64', '__pyx_unpickle_DistanceMetric', 'csr_matrix', 'newObj',
    ),
    'sklearn.metrics._pairwise_distances_reduction': (
        'ArgKmin', 'ArgKminClassMode', 'BaseDistancesReductionDispatcher', 'RadiusNeighbors',
        'RadiusNeighborsClassMode',
    ),
    'sklearn.metrics._pairwise_distances_reduction._argkmin': (
        'ArgKmin32', 'ArgKmin64', 'EuclideanArgKmin32', 'EuclideanArgKmin64',
    ),
    'sklearn.metrics._pairwise_distances_reduction._argkmin_classmode': (
        'ArgKminClassMode32', 'ArgKminClassMode64',
    ),
    'sklearn.metrics._pairwise_distances_reduction._base': (
        'BaseDistancesReduction32', 'BaseDistancesReduction64',
        '__pyx_unpickle_BaseDistancesReduction32', '__pyx_unpickle_BaseDistancesReduction64',
    ),
    'sklearn.metrics._pairwise_distances_reduction._datasets_pair': (
        'DatasetsPair32', 'DatasetsPair64', 'DenseDenseDatasetsPair32',
        'DenseDenseDatasetsPair64', 'DenseSparseDatasetsPair32', 'DenseSparseDatasetsPair64',
        'SparseDenseDatasetsPair32', 'SparseDenseDatasetsPair64', 'SparseSparseDatasetsPair32',
        'SparseSparseDatasetsPair64', '__pyx_unpickle_DatasetsPair32',
        '__pyx_unpickle_DatasetsPair64', '__pyx_unpickle_DenseDenseDatasetsPair32',
        '__pyx_unpickle_DenseDenseDatasetsPair64', '__pyx_unpickle_DenseSparseDatasetsPair32',
        '__pyx_unpickle_DenseSparseDatasetsPair64', '__pyx_unpickle_SparseDenseDatasetsPair32',
        '__pyx_unpickle_SparseDenseDatasetsPair64', '__pyx_unpickle_SparseSparseDatasetsPair32',
        '__pyx_unpickle_SparseSparseDatasetsPair64', 'csr_array', 'csr_matrix',
    ),
    'sklearn.metrics._pairwise_distances_reduction._dispatcher': (
        'ArgKmin', 'ArgKmin32', 'ArgKmin64', 'ArgKminClassMode', 'ArgKminClassMode32',
        'ArgKminClassMode64', 'BaseDistancesReductionDispatcher', 'DistanceMetric',
        'RadiusNeighbors', 'RadiusNeighbors32', 'RadiusNeighbors64', 'RadiusNeighborsClassMode',
        'RadiusNeighborsClassMode32', 'RadiusNeighborsClassMode64',
    ),
    'sklearn.metrics._pairwise_distances_reduction._middle_term_computer': (
        'DenseDenseMiddleTermComputer32', 'DenseDenseMiddleTermComputer64',
        'MiddleTermComputer32', 'MiddleTermComputer64', 'SparseDenseMiddleTermComputer32',
        'SparseDenseMiddleTermComputer64', 'SparseSparseMiddleTermComputer32',
        'SparseSparseMiddleTermComputer64', '__pyx_unpickle_DenseDenseMiddleTermComputer32',
        '__pyx_unpickle_DenseDenseMiddleTermComputer64', '__pyx_unpickle_MiddleTermComputer32',
        '__pyx_unpickle_MiddleTermComputer64', '__pyx_unpickle_SparseDenseMiddleTermComputer32',
        '__pyx_unpickle_SparseDenseMiddleTermComputer64',
        '__pyx_unpickle_SparseSparseMiddleTermComputer32',
        '__pyx_unpickle_SparseSparseMiddleTermComputer64', 'csr_array', 'csr_matrix',
    ),
    'sklearn.metrics._pairwise_distances_reduction._radius_neighbors': (
        'EuclideanRadiusNeighbors32', 'EuclideanRadiusNeighbors64', 'RadiusNeighbors32',
        'RadiusNeighbors64',
    ),
    'sklearn.metrics._pairwise_distances_reduction._radius_neighbors_classmode': (
        'RadiusNeighborsClassMode32', 'RadiusNeighborsClassMode64',
    ),
    'sklearn.metrics._plot.confusion_matrix': (
        'ConfusionMatrixDisplay',
    ),
    'sklearn.metrics._plot.det_curve': (
        'DetCurveDisplay', '_BinaryClassifierCurveDisplayMixin',
    ),
    'sklearn.metrics._plot.precision_recall_curve': (
        'PrecisionRecallDisplay', '_BinaryClassifierCurveDisplayMixin',
    ),
    'sklearn.metrics._plot.regression': (
        'PredictionErrorDisplay',
    ),
    'sklearn.metrics._plot.roc_curve': (
        'RocCurveDisplay', '_BinaryClassifierCurveDisplayMixin',
    ),
    'sklearn.metrics._ranking': (
        'Interval', 'StrOptions', 'UndefinedMetricWarning', 'csr_array',
    ),
    'sklearn.metrics._regression': (
        'Interval', 'StrOptions', 'UndefinedMetricWarning',
    ),
    'sklearn.metrics._scorer': (
        'HasMethods', 'MetadataRequest', 'MetadataRouter', 'MethodMapping',
        'MethodMetadataRequest', 'StrOptions', '_BaseScorer', '_CurveScorer',
        '_MetadataRequester', '_MultimetricScorer', '_PassthroughScorer', '_Scorer',
    ),
    'sklearn.metrics.cluster._supervised': (
        'Interval', 'StrOptions', 'deprecated',
    ),
    'sklearn.metrics.cluster._unsupervised': (
        'Interval', 'LabelEncoder', 'StrOptions',
    ),
    'sklearn.metrics.pairwise': (
        'ArgKmin', 'DataConversionWarning', 'Hidden', 'Interval', 'MissingValues', 'Options',
        'StrOptions', 'csr_array',
    ),
    'sklearn.mixture': (
        'BayesianGaussianMixture', 'GaussianMixture',
    ),
    'sklearn.mixture._base': (
        'BaseEstimator', 'BaseMixture', 'ConvergenceWarning', 'DensityMixin', 'Interval',
        'StrOptions',
    ),
    'sklearn.mixture._bayesian_mixture': (
        'BaseMixture', 'BayesianGaussianMixture', 'Interval', 'StrOptions',
    ),
    'sklearn.mixture._gaussian_mixture': (
        'BaseMixture', 'GaussianMixture', 'StrOptions',
    ),
    'sklearn.model_selection': (
        'BaseCrossValidator', 'BaseShuffleSplit', 'FixedThresholdClassifier', 'GridSearchCV',
        'GroupKFold', 'GroupShuffleSplit', 'HalvingGridSearchCV', 'HalvingRandomSearchCV',
        'KFold', 'LearningCurveDisplay', 'LeaveOneGroupOut', 'LeaveOneOut', 'LeavePGroupsOut',
        'LeavePOut', 'ParameterGrid', 'ParameterSampler', 'RandomizedSearchCV', 'RepeatedKFold',
        'RepeatedStratifiedKFold', 'ShuffleSplit', 'StratifiedGroupKFold', 'StratifiedKFold',
        'StratifiedShuffleSplit', 'TimeSeriesSplit', 'TunedThresholdClassifierCV',
        'ValidationCurveDisplay',
    ),
    'sklearn.model_selection._classification_threshold': (
        'BaseEstimator', 'BaseThresholdClassifier', 'ClassifierMixin',
        'FixedThresholdClassifier', 'HasMethods', 'Interval', 'MetaEstimatorMixin',
        'MetadataRouter', 'MethodMapping', 'NotFittedError', 'RealNotInt', 'StrOptions',
        'StratifiedShuffleSplit', 'TunedThresholdClassifierCV', '_CurveScorer', '_VisualBlock',
    ),
    'sklearn.model_selection._plot': (
        'LearningCurveDisplay', 'ValidationCurveDisplay', '_BaseCurveDisplay',
    ),
    'sklearn.model_selection._search': (
        'BaseSearchCV', 'GridSearchCV', 'ParameterGrid', 'ParameterSampler',
        'RandomizedSearchCV',
    ),
    'sklearn.model_selection._search_successive_halving': (
        'BaseSuccessiveHalving', 'HalvingGridSearchCV', 'HalvingRandomSearchCV',
        '_SubsampleMetaSplitter',
    ),
    'sklearn.model_selection._split': (
        'BaseCrossValidator', 'BaseShuffleSplit', 'GroupKFold', 'GroupShuffleSplit',
        'GroupsConsumerMixin', 'KFold', 'LeaveOneGroupOut', 'LeaveOneOut', 'LeavePGroupsOut',
        'LeavePOut', 'RepeatedKFold', 'RepeatedStratifiedKFold', 'ShuffleSplit',
        'StratifiedGroupKFold', 'StratifiedKFold', 'StratifiedShuffleSplit', 'TimeSeriesSplit',
        '_BaseKFold', '_CVIterableWrapper', '_RepeatedSplits', '_UnsupportedGroupCVMixin',
    ),
    'sklearn.multiclass': (
        'OneVsOneClassifier', 'OneVsRestClassifier', 'OutputCodeClassifier',
        '_ConstantPredictor',
    ),
    'sklearn.multioutput': (
        'ClassifierChain', 'MultiOutputClassifier', 'MultiOutputRegressor', 'RegressorChain',
        '_BaseChain', '_MultiOutputEstimator',
    ),
    'sklearn.naive_bayes': (
        'BernoulliNB', 'CategoricalNB', 'ComplementNB', 'GaussianNB', 'MultinomialNB',
        '_BaseDiscreteNB', '_BaseNB',
    ),
    'sklearn.neighbors': (
        'BallTree', 'KDTree', 'KNeighborsClassifier', 'KNeighborsRegressor',
        'KNeighborsTransformer', 'KernelDensity', 'LocalOutlierFactor', 'NearestCentroid',
        'NearestNeighbors', 'NeighborhoodComponentsAnalysis', 'RadiusNeighborsClassifier',
        'RadiusNeighborsRegressor', 'RadiusNeighborsTransformer',
    ),
    'sklearn.neighbors._ball_tree': (
        'BallTree', 'BallTree32', 'BallTree64', 'BinaryTree32', 'BinaryTree64',
        'NeighborsHeap32', 'NeighborsHeap64', 'NodeHeap', 'newObj',
    ),
    'sklearn.neighbors._base': (
        'ArgKmin', 'BallTree', 'BaseEstimator', 'DataConversionWarning', 'DistanceMetric',
        'EfficiencyWarning', 'Interval', 'KDTree', 'KNeighborsMixin', 'MultiOutputMixin',
        'NeighborsBase', 'RadiusNeighbors', 'RadiusNeighborsMixin', 'StrOptions', 'csr_array',
    ),
    'sklearn.neighbors._classification': (
        'ArgKminClassMode', 'ClassifierMixin', 'KNeighborsClassifier', 'KNeighborsMixin',
        'NeighborsBase', 'RadiusNeighborsClassMode', 'RadiusNeighborsClassifier',
        'RadiusNeighborsMixin', 'StrOptions',
    ),
    'sklearn.neighbors._graph': (
        'ClassNamePrefixFeaturesOutMixin', 'Interval', 'KNeighborsMixin',
        'KNeighborsTransformer', 'NearestNeighbors', 'NeighborsBase', 'RadiusNeighborsMixin',
        'RadiusNeighborsTransformer', 'StrOptions', 'TransformerMixin',
    ),
    'sklearn.neighbors._kd_tree': (
        'BinaryTree32', 'BinaryTree64', 'KDTree', 'KDTree32', 'KDTree64', 'NeighborsHeap32',
        'NeighborsHeap64', 'NodeHeap', 'newObj',
    ),
    'sklearn.neighbors._kde': (
        'BallTree', 'BaseEstimator', 'Interval', 'KDTree', 'KernelDensity', 'StrOptions',
    ),
    'sklearn.neighbors._lof': (
        'LocalOutlierFactor',
    ),
    'sklearn.neighbors._nca': (
        'BaseEstimator', 'ClassNamePrefixFeaturesOutMixin', 'ConvergenceWarning', 'Interval',
        'LabelEncoder', 'NeighborhoodComponentsAnalysis', 'PCA', 'StrOptions',
        'TransformerMixin',
    ),
    'sklearn.neighbors._nearest_centroid': (
        'BaseEstimator', 'ClassifierMixin', 'DiscriminantAnalysisPredictionMixin', 'Interval',
        'LabelEncoder', 'NearestCentroid', 'StrOptions',
    ),
    'sklearn.neighbors._quad_tree': (
        '_QuadTree',
    ),
    'sklearn.neighbors._regression': (
        'DistanceMetric', 'KNeighborsMixin', 'KNeighborsRegressor', 'NeighborsBase',
        'RadiusNeighborsMixin', 'RadiusNeighborsRegressor', 'RegressorMixin', 'StrOptions',
    ),
    'sklearn.neighbors._unsupervised': (
        'KNeighborsMixin', 'NearestNeighbors', 'NeighborsBase', 'RadiusNeighborsMixin',
    ),
    'sklearn.neural_network': (
        'BernoulliRBM', 'MLPClassifier', 'MLPRegressor',
    ),
    'sklearn.neural_network._multilayer_perceptron': (
        'AdamOptimizer', 'BaseEstimator', 'BaseMultilayerPerceptron', 'ClassifierMixin',
        'ConvergenceWarning', 'Interval', 'LabelBinarizer', 'MLPClassifier', 'MLPRegressor',
        'Options', 'RegressorMixin', 'SGDOptimizer', 'StrOptions',
    ),
    'sklearn.neural_network._rbm': (
        'BaseEstimator', 'BernoulliRBM', 'ClassNamePrefixFeaturesOutMixin', 'Interval',
        'TransformerMixin',
    ),
    'sklearn.neural_network._stochastic_optimizers': (
        'AdamOptimizer', 'BaseOptimizer', 'SGDOptimizer',
    ),
    'sklearn.pipeline': (
        'FeatureUnion', 'Pipeline',
    ),
    'sklearn.preprocessing': (
        'Binarizer', 'FunctionTransformer', 'KBinsDiscretizer', 'KernelCenterer',
        'LabelBinarizer', 'LabelEncoder', 'MaxAbsScaler', 'MinMaxScaler', 'MultiLabelBinarizer',
        'Normalizer', 'OneHotEncoder', 'OrdinalEncoder', 'PolynomialFeatures',
        'PowerTransformer', 'QuantileTransformer', 'RobustScaler', 'SplineTransformer',
        'StandardScaler', 'TargetEncoder',
    ),
    'sklearn.preprocessing._data': (
        'Binarizer', 'KernelCenterer', 'MaxAbsScaler', 'MinMaxScaler', 'Normalizer',
        'OneHotEncoder', 'PowerTransformer', 'QuantileTransformer', 'RobustScaler',
        'StandardScaler',
    ),
    'sklearn.preprocessing._discretization': (
        'BaseEstimator', 'Interval', 'KBinsDiscretizer', 'OneHotEncoder', 'Options',
        'StrOptions', 'TransformerMixin',
    ),
    'sklearn.preprocessing._encoders': (
        'OneHotEncoder', 'OrdinalEncoder', '_BaseEncoder',
    ),
    'sklearn.preprocessing._function_transformer': (
        'BaseEstimator', 'FunctionTransformer', 'StrOptions', 'TransformerMixin',
        '_VisualBlock',
    ),
    'sklearn.preprocessing._label': (
        'LabelBinarizer', 'LabelEncoder', 'MultiLabelBinarizer',
    ),
    'sklearn.preprocessing._polynomial': (
        'PolynomialFeatures', 'SplineTransformer',
    ),
    'sklearn.preprocessing._target_encoder': (
        'Interval', 'MetadataRouter', 'MethodMapping', 'OneToOneFeatureMixin', 'StrOptions',
        'TargetEncoder', '_BaseEncoder',
    ),
    'sklearn.random_projection': (
        'BaseRandomProjection', 'GaussianRandomProjection', 'SparseRandomProjection',
    ),
    'sklearn.semi_supervised': (
        'LabelPropagation', 'LabelSpreading', 'SelfTrainingClassifier',
    ),
    'sklearn.semi_supervised._label_propagation': (
        'BaseEstimator', 'BaseLabelPropagation', 'ClassifierMixin', 'ConvergenceWarning',
        'Interval', 'LabelPropagation', 'LabelSpreading', 'NearestNeighbors', 'StrOptions',
    ),
    'sklearn.semi_supervised._self_training': (
        'SelfTrainingClassifier',
    ),
    'sklearn.svm': (
        'LinearSVC', 'LinearSVR', 'NuSVC', 'NuSVR', 'OneClassSVM', 'SVC', 'SVR',
    ),
    'sklearn.svm._base': (
        'BaseEstimator', 'BaseLibSVM', 'BaseSVC', 'ClassifierMixin', 'ConvergenceWarning',
        'Hidden', 'Interval', 'LabelEncoder', 'NotFittedError', 'StrOptions', 'deprecated',
    ),
    'sklearn.svm._bounds': (
        'Interval', 'LabelBinarizer', 'StrOptions',
    ),
    'sklearn.svm._classes': (
        'BaseEstimator', 'BaseLibSVM', 'BaseSVC', 'Interval', 'LinearClassifierMixin',
        'LinearModel', 'LinearSVC', 'LinearSVR', 'NuSVC', 'NuSVR', 'OneClassSVM',
        'OutlierMixin', 'RegressorMixin', 'SVC', 'SVR', 'SparseCoefMixin', 'StrOptions',
    ),
    'sklearn.tree': (
        'BaseDecisionTree', 'DecisionTreeClassifier', 'DecisionTreeRegressor',
        'ExtraTreeClassifier', 'ExtraTreeRegressor',
    ),
    'sklearn.tree._classes': (
        'BaseDecisionTree', 'DecisionTreeClassifier', 'DecisionTreeRegressor',
        'ExtraTreeClassifier', 'ExtraTreeRegressor',
    ),
    'sklearn.tree._criterion': (
        'ClassificationCriterion', 'Criterion', 'Entropy', 'Gini', 'MAE', 'MSE', 'Poisson',
        'RegressionCriterion', '__pyx_unpickle_Criterion',
    ),
    'sklearn.tree._export': (
        'DecisionTreeClassifier', 'DecisionTreeRegressor', 'HasMethods', 'Interval', 'Sentinel',
        'StrOptions', 'Tree', '_BaseTreeExporter', '_DOTTreeExporter', '_MPLTreeExporter',
    ),
    'sklearn.tree._partitioner': (
        'DensePartitioner', 'SparsePartitioner', '__pyx_unpickle_DensePartitioner',
        '__pyx_unpickle_SparsePartitioner',
    ),
    'sklearn.tree._reingold_tilford': (
        'DrawTree', 'Tree',
    ),
    'sklearn.tree._splitter': (
        'BestSparseSplitter', 'BestSplitter', 'RandomSparseSplitter', 'RandomSplitter',
        'Splitter',
    ),
    'sklearn.tree._tree': (
        'BestFirstTreeBuilder', 'DepthFirstTreeBuilder', 'Tree', 'TreeBuilder', '_AlphaPruner',
        '_CCPPruneController', '_PathFinder', '__pyx_unpickle_TreeBuilder',
        '__pyx_unpickle__CCPPruneController', 'csr_array',
    ),
    'sklearn.tree._utils': (
        'PytestWeightedFenwickTree', 'WeightedFenwickTree',
    ),
    'sklearn.utils': (
        'Bunch', 'ClassifierTags', 'DataConversionWarning', 'InputTags', 'RegressorTags',
        'Tags', 'TargetTags', 'TransformerTags', 'deprecated',
    ),
    'sklearn.utils._array_api': (
        'NamespaceAndDevice',
    ),
    'sklearn.utils._available_if': (
        '_AvailableIfDescriptor',
    ),
    'sklearn.utils._bunch': (
        'Bunch',
    ),
    'sklearn.utils._chunking': (
        'Interval',
    ),
    'sklearn.utils._cython_blas': (
        'BLAS_Order', 'BLAS_Trans',
    ),
    'sklearn.utils._encode': (
        'MissingValues', '_NaNCounter', '_nandict',
    ),
    'sklearn.utils._fast_dict': (
        'IntFloatDict', '__pyx_unpickle_IntFloatDict',
    ),
    'sklearn.utils._indexing': (
        'Interval',
    ),
    'sklearn.utils._isfinite': (
        'FiniteStatus',
    ),
    'sklearn.utils._metadata_requests': (
        'Bunch', 'MetadataRequest', 'MetadataRouter', 'MethodMapping', 'MethodMetadataRequest',
        'MethodPair', 'RouterMappingPair', 'UnsetMetadataPassedError', '_MetadataRequester',
        '_RoutingNotSupportedMixin',
    ),
    'sklearn.utils._param_validation': (
        'HasMethods', 'Hidden', 'Interval', 'InvalidParameterError', 'MissingValues', 'Options',
        'RealNotInt', 'StrOptions', '_ArrayLikes', '_Booleans', '_CVObjects', '_Callables',
        '_Constraint', '_InstancesOf', '_IterablesNotString', '_NanConstraint',
        '_NoneConstraint', '_PandasNAConstraint', '_RandomStates', '_SparseMatrices',
        '_VerboseHelper', 'csr_array',
    ),
    'sklearn.utils._plotting': (
        '_BinaryClassifierCurveDisplayMixin',
    ),
    'sklearn.utils._pprint': (
        'BaseEstimator', 'KeyValTuple', 'KeyValTupleParam', '_EstimatorPrettyPrinter',
    ),
    'sklearn.utils._repr_html.base': (
        'ReprHTMLMixin', '_HTMLDocumentationLinkMixin', '_IDCounter',
    ),
    'sklearn.utils._repr_html.estimator': (
        '_IDCounter', '_VisualBlock',
    ),
    'sklearn.utils._repr_html.fitted_attributes': (
        'AttrsDict', 'ReprHTMLMixin',
    ),
    'sklearn.utils._repr_html.params': (
        'ParamsDict', 'ReprHTMLMixin',
    ),
    'sklearn.utils._seq_dataset': (
        'ArrayDataset32', 'ArrayDataset64', 'CSRDataset32', 'CSRDataset64',
        'SequentialDataset32', 'SequentialDataset64',
    ),
    'sklearn.utils._set_output': (
        'ContainerAdapterProtocol', 'ContainerAdaptersManager', 'PandasAdapter',
        'PolarsAdapter', '_SetOutputMixin',
    ),
    'sklearn.utils._tags': (
        'ClassifierTags', 'InputTags', 'RegressorTags', 'Tags', 'TargetTags', 'TransformerTags',
    ),
    'sklearn.utils._vector_sentinel': (
        'StdVectorSentinel', 'StdVectorSentinelFloat64', 'StdVectorSentinelInt32',
        'StdVectorSentinelInt64', 'StdVectorSentinelIntP', '__pyx_unpickle_StdVectorSentinel',
        '__pyx_unpickle_StdVectorSentinelFloat64', '__pyx_unpickle_StdVectorSentinelInt32',
        '__pyx_unpickle_StdVectorSentinelInt64', '__pyx_unpickle_StdVectorSentinelIntP',
    ),
    'sklearn.utils._weight_vector': (
        'WeightVector32', 'WeightVector64',
    ),
    'sklearn.utils.class_weight': (
        'StrOptions',
    ),
    'sklearn.utils.deprecation': (
        'deprecated',
    ),
    'sklearn.utils.extmath': (
        'Interval', 'StrOptions', 'deprecated',
    ),
    'sklearn.utils.fixes': (
        'sparray',
    ),
    'sklearn.utils.graph': (
        'Interval',
    ),
    'sklearn.utils.metadata_routing': (
        'MetadataRequest', 'MetadataRouter', 'MethodMapping', '_MetadataRequester',
        '_RoutingNotSupportedMixin',
    ),
    'sklearn.utils.metaestimators': (
        '_BaseComposition',
    ),
    'sklearn.utils.optimize': (
        'ConvergenceWarning', '_LineSearchError',
    ),
    'sklearn.utils.validation': (
        'DataConversionWarning', 'FiniteStatus', 'NotFittedError', 'PositiveSpectrumWarning',
    ),
    'torch': (
        'adaptive_avg_pool1d', 'avg_pool1d', 'bilinear', 'celu_', 'channel_shuffle', 'conv1d',
        'conv2d', 'conv3d', 'conv_tbc', 'conv_transpose1d', 'conv_transpose2d',
        'conv_transpose3d', 'cosine_similarity', 'hardshrink', 'native_channel_shuffle',
        'pairwise_distance', 'pdist', 'pixel_shuffle', 'pixel_unshuffle', 'prelu', 'relu_',
        'rrelu_', 'selu_', 'threshold_',
    ),
    'torch._C._nn': (
        'avg_pool2d', 'avg_pool3d', 'elu_', 'gelu', 'hardtanh_', 'leaky_relu_', 'linear',
        'one_hot', 'scaled_dot_product_attention', 'softplus', 'softshrink',
    ),
    'torch.nn.functional': (
        'adaptive_avg_pool2d', 'adaptive_avg_pool3d', 'adaptive_max_pool1d',
        'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d',
        'adaptive_max_pool2d_with_indices', 'adaptive_max_pool3d',
        'adaptive_max_pool3d_with_indices', 'affine_grid', 'alpha_dropout',
        'assert_int_or_pair', 'batch_norm', 'binary_cross_entropy',
        'binary_cross_entropy_with_logits', 'celu', 'cosine_embedding_loss', 'cross_entropy',
        'ctc_loss', 'dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'elu', 'embedding',
        'embedding_bag', 'feature_alpha_dropout', 'fold', 'fractional_max_pool2d',
        'fractional_max_pool2d_with_indices', 'fractional_max_pool3d',
        'fractional_max_pool3d_with_indices', 'gaussian_nll_loss', 'glu', 'grid_sample',
        'group_norm', 'grouped_mm', 'gumbel_softmax', 'hardsigmoid', 'hardswish', 'hardtanh',
        'hinge_embedding_loss', 'huber_loss', 'instance_norm', 'kl_div', 'l1_loss',
        'layer_norm', 'leaky_relu', 'linear_cross_entropy', 'local_response_norm',
        'log_softmax', 'lp_pool1d', 'lp_pool2d', 'lp_pool3d', 'margin_ranking_loss',
        'max_pool1d', 'max_pool1d_with_indices', 'max_pool2d', 'max_pool2d_with_indices',
        'max_pool3d', 'max_unpool1d', 'max_unpool2d', 'max_unpool3d', 'mish', 'mse_loss',
        'multi_head_attention_forward', 'multi_margin_loss', 'multilabel_margin_loss',
        'multilabel_soft_margin_loss', 'nll_loss', 'normalize', 'poisson_nll_loss', 'relu',
        'relu6', 'rms_norm', 'rrelu', 'scaled_grouped_mm', 'scaled_mm', 'selu', 'sigmoid',
        'silu', 'smooth_l1_loss', 'soft_margin_loss', 'softmax', 'softmin', 'softsign', 'tanh',
        'tanhshrink', 'triplet_margin_loss', 'unfold', 'upsample', 'upsample_bilinear',
        'upsample_nearest',
    ),
    'torch.nn.modules': (
        'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d',
        'AdaptiveLogSoftmaxWithLoss', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d',
        'AdaptiveMaxPool3d', 'AlphaDropout', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'BCELoss',
        'BCEWithLogitsLoss', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'Bilinear', 'CELU',
        'CTCLoss', 'ChannelShuffle', 'CircularPad1d', 'CircularPad2d', 'CircularPad3d',
        'ConstantPad1d', 'ConstantPad2d', 'ConstantPad3d', 'Container', 'Conv1d', 'Conv2d',
        'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d',
        'CosineEmbeddingLoss', 'CosineSimilarity', 'CrossEntropyLoss', 'CrossMapLRN2d',
        'Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'ELU', 'Embedding', 'EmbeddingBag',
        'FeatureAlphaDropout', 'Flatten', 'Fold', 'FractionalMaxPool2d', 'FractionalMaxPool3d',
        'GELU', 'GLU', 'GRU', 'GRUCell', 'GaussianNLLLoss', 'GroupNorm', 'Hardshrink',
        'Hardsigmoid', 'Hardswish', 'Hardtanh', 'HingeEmbeddingLoss', 'HuberLoss', 'Identity',
        'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d', 'KLDivLoss', 'L1Loss', 'LPPool1d',
        'LPPool2d', 'LPPool3d', 'LSTM', 'LSTMCell', 'LayerNorm', 'LazyBatchNorm1d',
        'LazyBatchNorm2d', 'LazyBatchNorm3d', 'LazyConv1d', 'LazyConv2d', 'LazyConv3d',
        'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyConvTranspose3d',
        'LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyInstanceNorm3d', 'LazyLinear',
        'LeakyReLU', 'Linear', 'LinearCrossEntropyLoss', 'LinearCrossEntropyOptions',
        'LocalResponseNorm', 'LogSigmoid', 'LogSoftmax', 'MSELoss', 'MarginRankingLoss',
        'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'MaxUnpool1d', 'MaxUnpool2d', 'MaxUnpool3d',
        'Mish', 'Module', 'ModuleDict', 'ModuleList', 'MultiLabelMarginLoss',
        'MultiLabelSoftMarginLoss', 'MultiMarginLoss', 'MultiheadAttention', 'NLLLoss',
        'NLLLoss2d', 'PReLU', 'PairwiseDistance', 'ParameterDict', 'ParameterList',
        'PixelShuffle', 'PixelUnshuffle', 'PoissonNLLLoss', 'RMSNorm', 'RNN', 'RNNBase',
        'RNNCell', 'RNNCellBase', 'RReLU', 'ReLU', 'ReLU6', 'ReflectionPad1d',
        'ReflectionPad2d', 'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d',
        'ReplicationPad3d', 'SELU', 'Sequential', 'SiLU', 'Sigmoid', 'SmoothL1Loss',
        'SoftMarginLoss', 'Softmax', 'Softmax2d', 'Softmin', 'Softplus', 'Softshrink',
        'Softsign', 'SyncBatchNorm', 'Tanh', 'Tanhshrink', 'Threshold', 'Transformer',
        'TransformerDecoder', 'TransformerDecoderLayer', 'TransformerEncoder',
        'TransformerEncoderLayer', 'TripletMarginLoss', 'TripletMarginWithDistanceLoss',
        'Unflatten', 'Unfold', 'Upsample', 'UpsamplingBilinear2d', 'UpsamplingNearest2d',
        'ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d',
    ),
    'torch.nn.modules._functions': (
        'BackwardHookFunction', 'CrossMapLRN2d', 'SyncBatchNorm',
    ),
    'torch.nn.modules.activation': (
        'CELU', 'ELU', 'GELU', 'GLU', 'Hardshrink', 'Hardsigmoid', 'Hardswish', 'Hardtanh',
        'LeakyReLU', 'LogSigmoid', 'LogSoftmax', 'Mish', 'MultiheadAttention', 'PReLU', 'RReLU',
        'ReLU', 'ReLU6', 'SELU', 'SiLU', 'Sigmoid', 'Softmax', 'Softmax2d', 'Softmin',
        'Softplus', 'Softshrink', 'Softsign', 'Tanh', 'Tanhshrink', 'Threshold',
    ),
    'torch.nn.modules.adaptive': (
        'AdaptiveLogSoftmaxWithLoss', '_ASMoutput',
    ),
    'torch.nn.modules.batchnorm': (
        'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'LazyBatchNorm1d', 'LazyBatchNorm2d',
        'LazyBatchNorm3d', 'SyncBatchNorm', '_BatchNorm', '_LazyNormBase', '_NormBase',
    ),
    'torch.nn.modules.channelshuffle': (
        'ChannelShuffle',
    ),
    'torch.nn.modules.container': (
        'Container', 'ModuleDict', 'ModuleList', 'ParameterDict', 'ParameterList', 'Sequential',
    ),
    'torch.nn.modules.conv': (
        'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d',
        'LazyConv1d', 'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d',
        'LazyConvTranspose3d', '_ConvNd', '_ConvTransposeMixin', '_ConvTransposeNd',
        '_LazyConvXdMixin',
    ),
    'torch.nn.modules.distance': (
        'CosineSimilarity', 'PairwiseDistance',
    ),
    'torch.nn.modules.dropout': (
        'AlphaDropout', 'Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'FeatureAlphaDropout',
        '_DropoutNd',
    ),
    'torch.nn.modules.flatten': (
        'Flatten', 'Unflatten',
    ),
    'torch.nn.modules.fold': (
        'Fold', 'Unfold',
    ),
    'torch.nn.modules.instancenorm': (
        'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d', 'LazyInstanceNorm1d',
        'LazyInstanceNorm2d', 'LazyInstanceNorm3d', '_InstanceNorm',
    ),
    'torch.nn.modules.lazy': (
        'LazyModuleMixin', '_LazyProtocol',
    ),
    'torch.nn.modules.linear': (
        'Bilinear', 'Identity', 'LazyLinear', 'Linear', 'NonDynamicallyQuantizableLinear',
    ),
    'torch.nn.modules.linear_cross_entropy': (
        '_ChunkContext', '_ChunkViews',
    ),
    'torch.nn.modules.linear_cross_entropy_options': (
        'LinearCrossEntropyOptions', '_AutoDefault',
    ),
    'torch.nn.modules.loss': (
        'BCELoss', 'BCEWithLogitsLoss', 'CTCLoss', 'CosineEmbeddingLoss', 'CrossEntropyLoss',
        'GaussianNLLLoss', 'HingeEmbeddingLoss', 'HuberLoss', 'KLDivLoss', 'L1Loss',
        'LinearCrossEntropyLoss', 'MSELoss', 'MarginRankingLoss', 'MultiLabelMarginLoss',
        'MultiLabelSoftMarginLoss', 'MultiMarginLoss', 'NLLLoss', 'NLLLoss2d', 'PoissonNLLLoss',
        'SmoothL1Loss', 'SoftMarginLoss', 'TripletMarginLoss', 'TripletMarginWithDistanceLoss',
        '_Loss', '_WeightedLoss',
    ),
    'torch.nn.modules.module': (
        'Module', '_IncompatibleKeys', '_WrappedHook',
    ),
    'torch.nn.modules.normalization': (
        'CrossMapLRN2d', 'GroupNorm', 'LayerNorm', 'LocalResponseNorm', 'RMSNorm',
    ),
    'torch.nn.modules.padding': (
        'CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'ConstantPad1d', 'ConstantPad2d',
        'ConstantPad3d', 'ReflectionPad1d', 'ReflectionPad2d', 'ReflectionPad3d',
        'ReplicationPad1d', 'ReplicationPad2d', 'ReplicationPad3d', 'ZeroPad1d', 'ZeroPad2d',
        'ZeroPad3d', '_CircularPadNd', '_ConstantPadNd', '_ReflectionPadNd',
        '_ReplicationPadNd',
    ),
    'torch.nn.modules.pixelshuffle': (
        'PixelShuffle', 'PixelUnshuffle',
    ),
    'torch.nn.modules.pooling': (
        'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d',
        'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d',
        'FractionalMaxPool2d', 'FractionalMaxPool3d', 'LPPool1d', 'LPPool2d', 'LPPool3d',
        'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'MaxUnpool1d', 'MaxUnpool2d', 'MaxUnpool3d',
        '_AdaptiveAvgPoolNd', '_AdaptiveMaxPoolNd', '_AvgPoolNd', '_LPPoolNd', '_MaxPoolNd',
        '_MaxUnpoolNd',
    ),
    'torch.nn.modules.rnn': (
        'GRU', 'GRUCell', 'LSTM', 'LSTMCell', 'RNN', 'RNNBase', 'RNNCell', 'RNNCellBase',
    ),
    'torch.nn.modules.sparse': (
        'Embedding', 'EmbeddingBag',
    ),
    'torch.nn.modules.transformer': (
        'Transformer', 'TransformerDecoder', 'TransformerDecoderLayer', 'TransformerEncoder',
        'TransformerEncoderLayer',
    ),
    'torch.nn.modules.upsampling': (
        'Upsample', 'UpsamplingBilinear2d', 'UpsamplingNearest2d',
    ),
    'torch.nn.parameter': (
        'Buffer', 'Parameter', 'UninitializedBuffer', 'UninitializedParameter',
        'UninitializedTensorMixin',
    ),
    'torch.torch_version': (
        'TorchVersion',
    ),
    'transformers.debug_utils': (
        'DebugOption', 'ExplicitEnum',
    ),
    'transformers.generation.configuration_utils': (
        'BaseWatermarkingConfig', 'CompileConfig', 'ContinuousBatchingConfig', 'ExplicitEnum',
        'GenerationMode', 'SynthIDTextWatermarkingConfig', 'WatermarkingConfig',
    ),
    'transformers.trainer_callback': (
        'DefaultFlowCallback', 'EarlyStoppingCallback', 'ExportableState', 'IntervalStrategy',
        'PrinterCallback', 'ProgressCallback', 'SaveStrategy', 'TrainerCallback',
        'TrainerControl', 'TrainerState',
    ),
    'transformers.trainer_pt_utils': (
        'AcceleratorConfig', 'BatchRebalanceSampler', 'EvalLoopContainer',
        'IterableDatasetShard', 'LabelSmoother', 'LayerWiseDummyOptimizer',
        'LayerWiseDummyScheduler', 'LengthGroupedSampler', 'ShardSampler',
    ),
    'transformers.trainer_utils': (
        'BestRun', 'EvalLoopOutput', 'EvalPrediction', 'ExplicitEnum', 'FSDPOption',
        'HPSearchBackend', 'HubStrategy', 'IntervalStrategy', 'PredictionOutput',
        'RemoveColumnsCollator', 'SaveStrategy', 'SchedulerType', 'TrainOutput',
    ),
    'transformers.training_args': (
        'AcceleratorConfig', 'DebugOption', 'DistributedType', 'ExplicitEnum', 'FSDPOption',
        'HubStrategy', 'IntervalStrategy', 'OptimizerNames', 'ParallelMode', 'SaveStrategy',
        'SchedulerType',
    ),
    'transformers.utils.generic': (
        'ExplicitEnum', 'GeneralInterface', 'ModelOutput', 'PaddingStrategy', 'TensorType',
        'TransformersKwargs',
    ),
}

# Allowed only as ``cls.__new__(cls)`` (NEWOBJ, no arguments) filled by BUILD: their
# __init__ is not proven harmless, so any other call of them is not cleared.
STATE_ONLY_GLOBALS: dict[str, tuple[str, ...]] = {
    'accelerate.state': (
        'PartialState',
    ),
    'accelerate.utils.dataclasses': (
        'AORecipeKwargs', 'DeepSpeedPlugin', 'FullyShardedDataParallelPlugin', 'TERecipeKwargs',
        'TorchTensorParallelConfig',
    ),
    'lightning.pytorch.callbacks.model_checkpoint': (
        'ModelCheckpoint',
    ),
    'pytorch_lightning.callbacks.model_checkpoint': (
        'ModelCheckpoint',
    ),
    'transformers.trainer_pt_utils': (
        'DistributedLengthGroupedSampler', 'DistributedSamplerWithLoop',
    ),
    'transformers.trainer_utils': (
        'TrainerMemoryTracker',
    ),
    'transformers.training_args': (
        'TrainingArguments',
    ),
    'transformers.training_args_seq2seq': (
        'Seq2SeqTrainingArguments',
    ),
}
